"""`eioku analyze` (in this process) and `eioku submit` (to workers through the broker)."""

import signal
from typing import Annotated

import typer
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
from pipeline.cli.signals import sigterm_interrupts
from pipeline.coordinator.delivery import carry_out, send_to_workers
from pipeline.coordinator.dispatch import Dispatcher
from pipeline.coordinator.embedded import analyze_file
from pipeline.coordinator.execution import TerminationRequested
from pipeline.coordinator.submission import (
    FileReport,
    Outcome,
    RunReport,
    plan_file,
)
from pipeline.coordinator.timing import Timing
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.availability import database_location, is_unavailable
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
    catalog = AnalyzerCatalog.from_settings(settings)
    request = analysis_request(
        catalog, analyzers, profile, settings_overrides, force=force, resume=resume
    )
    db = open_db(settings)
    timing = Timing.from_settings(settings)
    reports: list[FileReport] = []
    try:
        with sigterm_interrupts():
            for path in paths:
                with run_progress_bars(path) as bars:  # transient: gone before the report
                    report = analyze_file(
                        db, catalog, path, request, bars, timing, settings.profile_order
                    )
                reports.append(report)
                _show(report, as_json)
    except SQLAlchemyError as exc:
        if not is_unavailable(exc):
            raise fail(f"database error: {exc}", EXIT_FAILED) from None
        location = database_location(settings.database_url)
        message = (
            f"database unavailable: {location}; run the command again once it answers: "
            "it takes over the run left unfinished"
        )
        raise fail(message, EXIT_FAILED) from None
    except KeyboardInterrupt as exc:
        stop = signal.SIGTERM if isinstance(exc, TerminationRequested) else signal.SIGINT
        message = (
            f"stopped by {stop.name}: a run this command was executing is recorded cancelled; "
            "run the command again to redo it"
        )
        raise fail(message, 128 + stop) from None
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
    catalog = AnalyzerCatalog.from_settings(settings)
    request = analysis_request(
        catalog, analyzers, profile, settings_overrides, force=force, resume=resume
    )
    db = open_db(settings)
    dispatcher = Dispatcher(settings, db)
    timing = Timing.from_settings(settings)
    reports = []
    try:
        for path in paths:
            planned_file = plan_file(db, catalog, path, request, timing, settings.profile_order)
            report = planned_file.report
            report.runs = carry_out(planned_file.planned, send_to_workers(dispatcher))
            reports.append(report)
            _show(report, as_json)
        if wait:
            reports = _wait(db, reports, as_json)
    finally:
        dispatcher.close()
    _finish(reports, as_json)


def _wait(db: Database, reports: list[FileReport], as_json: bool) -> list[FileReport]:
    labels = {
        run.run_id: f"{report.path} {run.analyzer}/{run.profile}"
        for report in reports
        for run in report.runs
        if run.outcome in (Outcome.QUEUED, Outcome.ALREADY_ACTIVE)
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
