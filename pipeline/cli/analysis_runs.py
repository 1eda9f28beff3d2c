"""The work of `eioku analyze` when no stamp answers it (register, plan and execute in
this process) and of `eioku submit` (plan here, execute on the workers)."""

import signal

from sqlalchemy.exc import SQLAlchemyError

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.analysis_output import finish, show_report
from pipeline.cli.common import analysis_request
from pipeline.cli.flags import EXIT_FAILED, fail
from pipeline.cli.progress import run_progress_bars, watched_run_bars
from pipeline.cli.signals import sigterm_interrupts
from pipeline.coordinator.execution import TerminationRequested
from pipeline.coordinator.executors import carry_out, queue_executor
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import plan_file
from pipeline.coordinator.reports import FileReport, Outcome, RunReport
from pipeline.coordinator.task_sender import TaskSender
from pipeline.coordinator.timing import Timing
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.availability import database_location, is_unavailable
from pipeline.db.connect import open_database
from pipeline.db.engine import Database
from pipeline.settings import Settings
from pipeline.stamps.inputs import TypedRequest
from pipeline.stamps.record import record_stamp


def analyze_in_process(
    settings: Settings,
    paths: list[str],
    typed: TypedRequest,
    *,
    force: bool,
    resume: bool,
    as_json: bool,
) -> None:
    """After each file, the answer a plain re-run would give is stamped (SQLite only)."""
    catalog = AnalyzerCatalog(settings)
    request = analysis_request(
        catalog, typed.analyzers, typed.profile, list(typed.overrides), force=force, resume=resume
    )
    db = open_database(settings)
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
                show_report(report, as_json)
                if report.ok:
                    record_stamp(db, catalog, settings, request, typed, path)
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
    finish(reports, as_json)


def submit_to_workers(
    settings: Settings,
    paths: list[str],
    typed: TypedRequest,
    *,
    force: bool,
    resume: bool,
    wait: bool,
    as_json: bool,
) -> None:
    if not settings.broker_url:
        raise fail("EIOKU_BROKER_URL is not set: use `eioku analyze` to work in this process")
    catalog = AnalyzerCatalog(settings)
    request = analysis_request(
        catalog, typed.analyzers, typed.profile, list(typed.overrides), force=force, resume=resume
    )
    db = open_database(settings)
    sender = TaskSender(settings, db)
    timing = Timing.from_settings(settings)
    reports = []
    try:
        for path in paths:
            planned_file = plan_file(db, catalog, path, request, timing, settings.profile_order)
            report = planned_file.report
            report.runs = carry_out(planned_file.planned, queue_executor(sender))
            reports.append(report)
            show_report(report, as_json)
        if wait:
            reports = _wait(db, reports, as_json)
    finally:
        sender.close()
    finish(reports, as_json)


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
