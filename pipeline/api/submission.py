"""POST /v1/videos: check the path against the allowed roots, validate the request, plan
the runs, then send them to the broker or run them in this process after the response."""

import logging
import os
from pathlib import Path

from fastapi import BackgroundTasks
from kombu.exceptions import OperationalError as BrokerUnreachableError
from pydantic import ValidationError

from pipeline.analysis.catalog import AnalyzerCatalog, UnknownAnalyzerError
from pipeline.analysis.contract import UnknownProfileError
from pipeline.api.context import ApiContext
from pipeline.api.errors import ApiError, invalid
from pipeline.api.models import PlannedRunOut, SubmitRequest, SubmitResponse
from pipeline.coordinator.execution import execute_run
from pipeline.coordinator.planner import PlanAction, PlannedRun
from pipeline.coordinator.submission import AnalysisRequest, plan_file, plan_label
from pipeline.db.engine import Database

log = logging.getLogger(__name__)


def allowed_path(path: str, roots: tuple[Path, ...]) -> str:
    """The real path of ``path`` (symlinks resolved, so no link leads outside) when it
    lies under one of ``roots``; 403 otherwise."""
    try:
        real = Path(os.path.realpath(path))
    except (ValueError, OSError):
        raise invalid("path", "not a valid path") from None
    if not real.is_absolute() or not any(real.is_relative_to(root) for root in roots):
        raise ApiError(403, "path_not_allowed", "path is outside the allowed roots", "path")
    return str(real)


def analysis_request(catalog: AnalyzerCatalog, body: SubmitRequest) -> AnalysisRequest:
    unknown = sorted(set(body.overrides) - set(body.analyzers))
    if unknown:
        raise invalid("overrides", f"names analyzers that are not requested: {', '.join(unknown)}")
    for name in body.analyzers:
        try:
            catalog.get(name).effective_config(body.profile, body.overrides.get(name, {}))
        except UnknownAnalyzerError as exc:
            raise invalid("analyzers", str(exc)) from None
        except UnknownProfileError as exc:
            raise invalid("profile", str(exc)) from None
        except ValidationError as exc:
            location = ".".join(str(part) for part in exc.errors()[0]["loc"])
            raise invalid(f"overrides.{name}.{location}", exc.errors()[0]["msg"]) from None
    return AnalysisRequest(
        analyzers=list(dict.fromkeys(body.analyzers)),
        profile=body.profile,
        overrides=body.overrides,
        force=body.force,
        resume=body.resume,
    )


def submit(context: ApiContext, body: SubmitRequest, background: BackgroundTasks) -> SubmitResponse:
    path = allowed_path(body.path, context.settings.allowed_roots)
    request = analysis_request(context.catalog, body)
    planned = plan_file(context.db, context.catalog, path, request)
    report = planned.report
    if report.error_code is not None or report.video_id is None:
        raise invalid("path", report.error_message or "not a usable video", report.error_code or "")
    broker = context.settings.broker_url is not None
    runs = [_dispatch(context, plan) if broker else _planned(plan) for plan in planned.planned]
    to_run = [plan.run.run_id for plan in planned.planned if plan.needs_execution]
    if not broker and to_run:
        background.add_task(execute_in_process, context.db, context.catalog, to_run)
    return SubmitResponse(
        video_id=report.video_id,
        path=path,
        duration_ms=report.duration_ms or 0,
        execution="broker" if broker else "in_process",
        runs=runs,
    )


def _planned(plan: PlannedRun, outcome: str | None = None) -> PlannedRunOut:
    return PlannedRunOut(
        run_id=plan.run.run_id,
        analyzer=plan.run.analyzer,
        profile=plan.run.profile,
        status=plan.run.status,
        cached=plan.action is PlanAction.CACHED,
        outcome=outcome or plan_label(plan),
    )


def _dispatch(context: ApiContext, plan: PlannedRun) -> PlannedRunOut:
    if not plan.needs_execution:
        return _planned(plan)
    try:
        context.dispatcher().send(plan.run)
    except BrokerUnreachableError as exc:
        log.warning("run %s left queued, broker unreachable: %s", plan.run.run_id, exc)
        return _planned(plan, "not_sent")
    return _planned(plan, "queued")


def execute_in_process(db: Database, catalog: AnalyzerCatalog, run_ids: list[str]) -> None:
    """Runs after the response was sent; a failure is recorded on the run by execute_run,
    anything else is logged (there is no client left to tell)."""
    for run_id in run_ids:
        try:
            execute_run(db, catalog, run_id)
        except Exception:
            log.exception("in-process execution of run %s failed", run_id)
