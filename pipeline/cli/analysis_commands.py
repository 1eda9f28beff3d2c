"""`eioku analyze` (in this process) and `eioku submit` (to workers through the broker)."""

from typing import Annotated

import typer
from kombu.exceptions import OperationalError as BrokerUnreachableError
from sqlalchemy.exc import SQLAlchemyError

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.common import (
    EXIT_FAILED,
    AnalyzersOption,
    ForceOption,
    JsonFlag,
    ProfileOption,
    ResumeOption,
    SetOption,
    analysis_request,
    fail,
    open_db,
)
from pipeline.cli.progress import run_progress_bars, watched_run_bars
from pipeline.coordinator.dispatch import Dispatcher
from pipeline.coordinator.embedded import analyze_file
from pipeline.coordinator.submission import (
    AnalysisRequest,
    FileReport,
    RunReport,
    plan_file,
    plan_label,
)
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.engine import Database
from pipeline.settings import load_settings

PathsArgument = Annotated[list[str], typer.Argument(help="Video files.")]


def analyze(
    paths: PathsArgument,
    analyzers: AnalyzersOption = "scenes",
    profile: ProfileOption = None,
    force: ForceOption = False,
    resume: ResumeOption = False,
    settings_overrides: SetOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Analyze video files in this process (embedded mode), reusing cached results."""
    settings = load_settings()
    catalog = AnalyzerCatalog(settings.analyzer_plugins)
    request = analysis_request(
        catalog, analyzers, profile, settings_overrides, force=force, resume=resume
    )
    db = open_db(settings)
    reports: list[FileReport] = []
    try:
        for path in paths:
            with run_progress_bars(path) as bars:  # transient: gone before the report prints
                report = analyze_file(db, catalog, path, request, listener=bars)
            reports.append(report)
            _show(report, as_json)
    except SQLAlchemyError as exc:
        raise fail(f"database error: {exc}", EXIT_FAILED) from None
    _finish(reports, as_json)


def submit(
    paths: PathsArgument,
    analyzers: AnalyzersOption = "scenes",
    profile: ProfileOption = None,
    force: ForceOption = False,
    resume: ResumeOption = False,
    settings_overrides: SetOption = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Show progress until every run has finished.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Plan runs and send them to the workers' queues; cached runs are not sent."""
    settings = load_settings()
    if not settings.broker_url:
        raise fail("EIOKU_BROKER_URL is not set: use `eioku analyze` to work in this process")
    catalog = AnalyzerCatalog(settings.analyzer_plugins)
    request = analysis_request(
        catalog, analyzers, profile, settings_overrides, force=force, resume=resume
    )
    db = open_db(settings)
    dispatcher = Dispatcher(settings, db)
    reports = []
    try:
        for path in paths:
            report = _submit_file(db, catalog, dispatcher, path, request)
            reports.append(report)
            _show(report, as_json)
        if wait:
            reports = _wait(db, reports, as_json)
    finally:
        dispatcher.close()
    _finish(reports, as_json)


def _submit_file(
    db: Database,
    catalog: AnalyzerCatalog,
    dispatcher: Dispatcher,
    path: str,
    request: AnalysisRequest,
) -> FileReport:
    planned_file = plan_file(db, catalog, path, request)
    report = planned_file.report
    for plan in planned_file.planned:
        if not plan.needs_execution:
            report.runs.append(RunReport.of(plan.run, plan_label(plan)))
            continue
        try:
            dispatcher.send(plan.run)
        except BrokerUnreachableError as exc:
            message = f"broker unreachable, run left queued; submit again to send it: {exc}"
            report.runs.append(RunReport.of(plan.run, "not_sent").with_error("broker", message))
            continue
        report.runs.append(RunReport.of(plan.run, "queued"))
    return report


def _wait(db: Database, reports: list[FileReport], as_json: bool) -> list[FileReport]:
    labels = {
        run.run_id: f"{report.path} {run.analyzer}/{run.profile}"
        for report in reports
        for run in report.runs
        if run.outcome in ("queued", "already_active")
    }
    with watched_run_bars(labels) as bars:
        finished = {run.run_id: run for run in wait_for_runs(db, list(labels), on_update=bars)}
    for report in reports:
        report.runs = [
            RunReport.of(finished[run.run_id]) if run.run_id in finished else run
            for run in report.runs
        ]
        if not as_json and not report.error_code:  # errors were shown when submitting
            render.print_file_report(report)
    return reports


def _show(report: FileReport, as_json: bool) -> None:
    if not as_json:
        render.print_file_report(report)
    elif report.error_code:
        render.print_file_error(report)


def _finish(reports: list[FileReport], as_json: bool) -> None:
    if as_json:
        render.print_json([render.file_report_dict(report) for report in reports])
    if not all(report.ok for report in reports):
        raise typer.Exit(EXIT_FAILED)
