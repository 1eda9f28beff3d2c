"""Embedded mode: register, plan and execute runs in this process, file after file.
A file that cannot be used is reported and the others go on."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.execution import execute_run
from pipeline.coordinator.planner import PlanAction, plan_runs
from pipeline.coordinator.progress import ProgressListener
from pipeline.coordinator.registration import register_video
from pipeline.db.engine import Database
from pipeline.db.models import Run
from pipeline.media.errors import MediaError


@dataclass(frozen=True)
class RunReport:
    run_id: str
    analyzer: str
    profile: str
    outcome: str  # "cached", "already_active" or the run's final status
    artifact_count: int
    cache_key: str
    model_id: str
    error_code: str | None = None
    error_message: str | None = None


@dataclass
class FileReport:
    path: str
    video_id: str | None = None
    duration_ms: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    runs: list[RunReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_code is None and all(
            run.outcome in ("cached", "succeeded", "skipped") for run in self.runs
        )


@dataclass(frozen=True)
class AnalysisRequest:
    analyzers: Sequence[str]
    profile: str
    overrides: Mapping[str, Mapping[str, Any]]
    force: bool = False
    resume: bool = False


def analyze_file(
    db: Database,
    catalog: AnalyzerCatalog,
    path: str,
    request: AnalysisRequest,
    listener: ProgressListener | None = None,
) -> FileReport:
    report = FileReport(path=path)
    try:
        with db.transaction() as session:
            video = register_video(session, path).video
            planned = plan_runs(
                session,
                catalog,
                video,
                request.analyzers,
                request.profile,
                request.overrides,
                force=request.force,
                resume=request.resume,
            )
    except MediaError as exc:
        report.error_code, report.error_message = exc.code, exc.message
        return report
    report.video_id, report.duration_ms = video.video_id, video.duration_ms
    for plan in planned:
        if plan.needs_execution:
            outcome = execute_run(db, catalog, plan.run.run_id, listener=listener)
            report.runs.append(
                _run_report(
                    plan.run,
                    outcome.status,
                    outcome.artifact_count,
                    outcome.error_code,
                    outcome.error_message,
                )
            )
        else:
            label = "cached" if plan.action is PlanAction.CACHED else plan.action.value
            report.runs.append(_run_report(plan.run, label, plan.run.artifact_count))
    return report


def _run_report(
    run: Run,
    outcome: str,
    artifact_count: int,
    error_code: str | None = None,
    error_message: str | None = None,
) -> RunReport:
    return RunReport(
        run_id=run.run_id,
        analyzer=run.analyzer,
        profile=run.profile,
        outcome=str(outcome),
        artifact_count=artifact_count,
        cache_key=run.cache_key,
        model_id=run.model_id,
        error_code=error_code,
        error_message=error_message,
    )
