"""POST /v1/videos: check the path against the allowed roots, validate the request, plan
the runs, then send them to the broker or run them in this process after the response."""

import logging
from collections.abc import Callable
from typing import Literal

from fastapi import BackgroundTasks

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.api.context import ApiContext
from pipeline.api.errors import invalid
from pipeline.api.models import PlannedRunOut, SubmitRequest, SubmitResponse
from pipeline.api.roots import allowed_path
from pipeline.coordinator.execution import execute_run
from pipeline.coordinator.executors import as_planned, carry_out, queue_executor
from pipeline.coordinator.planning import (
    AnalysisRequest,
    RequestedBy,
    check_request,
    plan_file,
)
from pipeline.coordinator.reports import Outcome, RunReport
from pipeline.coordinator.run_plans import PlannedRun
from pipeline.coordinator.timing import Timing
from pipeline.db.engine import Database

log = logging.getLogger(__name__)
Execution = Literal["broker", "in_process"]


def analysis_request(
    catalog: AnalyzerCatalog, body: SubmitRequest, default_profile: str
) -> AnalysisRequest:
    request = AnalysisRequest(
        analyzers=list(dict.fromkeys(body.analyzers)),
        profile=default_profile if body.profile is None else body.profile,
        overrides=body.overrides,
        force=body.force,
        resume=body.resume,
        requested_by=RequestedBy.API,
    )
    check_request(catalog, request)
    return request


def submit(context: ApiContext, body: SubmitRequest, background: BackgroundTasks) -> SubmitResponse:
    path = allowed_path(body.path, context.settings.allowed_roots)
    request = analysis_request(context.catalog, body, context.settings.default_profile)
    timing = Timing.from_settings(context.settings)
    planned = plan_file(
        context.db, context.catalog, path, request, timing, context.settings.profile_order
    )
    report = planned.report
    if report.error_code is not None or report.video_id is None:
        raise invalid("path", report.error_message or "not a usable video", report.error_code or "")
    execution, runs = deliver(context, planned.planned, background, timing)
    return SubmitResponse(
        video_id=report.video_id,
        path=path,
        duration_ms=report.duration_ms or 0,
        execution=execution,
        runs=[
            PlannedRunOut(
                run_id=plan.run.run_id,
                analyzer=plan.run.analyzer,
                profile=plan.run.profile,
                status=plan.run.status,
                cached=run.outcome is Outcome.CACHED,
                outcome=run.outcome,
            )
            for plan, run in zip(planned.planned, runs, strict=True)
        ],
    )


def deliver(
    context: ApiContext,
    planned: list[PlannedRun],
    background: BackgroundTasks,
    timing: Timing,
    on_finished: Callable[[RunReport], None] | None = None,
) -> tuple[Execution, list[RunReport]]:
    """Send the runs to the broker, or execute them in this process after the response
    (``on_finished`` sees each outcome there)."""
    broker = context.settings.broker_url is not None
    reports = carry_out(planned, queue_executor(context.sender()) if broker else as_planned)
    to_run = [plan.run.run_id for plan in planned if plan.needs_execution]
    if not broker and to_run:
        background.add_task(
            execute_in_process, context.db, context.catalog, to_run, timing, on_finished
        )
    return ("broker" if broker else "in_process"), reports


def execute_in_process(
    db: Database,
    catalog: AnalyzerCatalog,
    run_ids: list[str],
    timing: Timing,
    on_finished: Callable[[RunReport], None] | None = None,
) -> None:
    """Runs after the response was sent; a failure is recorded on the run by execute_run,
    a run another request already executes is left to it, anything else is logged (there
    is no client left to tell)."""
    for run_id in run_ids:
        try:
            outcome = execute_run(db, catalog, run_id, timing=timing)
        except Exception:
            log.exception("in-process execution of run %s failed", run_id)
            continue
        if on_finished is not None:
            on_finished(outcome)
