"""Operating the distributed pipeline: workers, Flower, cancelling, reconciling, migrations."""

import os
import sys
from typing import Annotated, NoReturn

import typer

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, fail
from pipeline.cli.options import split_names
from pipeline.coordinator.cancellation import cancel_and_revoke
from pipeline.coordinator.reconcile import reconcile_by_settings
from pipeline.coordinator.task_sender import TaskSender
from pipeline.db.connect import open_database
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.db.models import Run
from pipeline.db.repositories import (
    IllegalTransitionError,
    RunNotFoundError,
    StaleRunStateError,
)
from pipeline.settings import Settings
from pipeline.taskqueue import queue_name

CELERY_APP = "workers.app"


def _broker_settings() -> Settings:
    settings = current_settings()
    if not settings.broker_url:
        raise fail("EIOKU_BROKER_URL is not set: set it to the broker, e.g. redis://host:6379/0")
    return settings


def _exec_celery(*arguments: str) -> NoReturn:
    """Become the Celery program (same interpreter), so signals reach it directly."""
    command = [sys.executable, "-m", "celery", "-A", CELERY_APP, *arguments]
    os.execv(sys.executable, command)


def worker(
    analyzers: Annotated[
        str, typer.Option("--analyzers", "-a", help="Analyzers whose queues to consume.")
    ] = "scenes",
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Worker processes.")
    ] = 1,
    loglevel: Annotated[str, typer.Option("--loglevel", "-l")] = "INFO",
    name: Annotated[str | None, typer.Option("--name", "-n", help="Worker node name.")] = None,
) -> None:
    """Start a Celery worker for some analyzers (same as `celery -A workers.app worker -Q ...`)."""
    settings = _broker_settings()
    catalog = AnalyzerCatalog(settings)
    names = split_names(analyzers)
    unknown = [analyzer for analyzer in names if analyzer not in catalog.names()]
    if unknown:
        raise fail(f"unknown analyzers {unknown} (known: {', '.join(catalog.names())})")
    queues = ",".join(queue_name(analyzer) for analyzer in names)
    node = name or f"eioku-{'-'.join(names)}@%h"
    _exec_celery(
        "worker",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "-n",
        node,
    )


def flower(
    port: Annotated[int, typer.Option("--port", help="HTTP port.")] = 5555,
    address: Annotated[str, typer.Option("--address", help="Listen address.")] = "127.0.0.1",
) -> None:
    """Start Flower (task names, arguments, runtimes, retries) for the configured broker."""
    _broker_settings()
    _exec_celery("flower", f"--port={port}", f"--address={address}")


def cancel(run_id: Annotated[str, typer.Argument(help="Run id.")]) -> None:
    """Cancel a queued or running run: it stops at its next checkpoint, writing no
    artifacts; with a broker its waiting task is revoked too."""
    settings = current_settings()
    db = open_database(settings)
    try:
        cancelled = cancel_and_revoke(settings, db, run_id)
    except RunNotFoundError as exc:
        raise fail(f"{exc}; `eioku runs` lists the runs", EXIT_FAILED) from None
    except StaleRunStateError as exc:
        raise fail(f"{exc}: it changed meanwhile; try again", EXIT_FAILED) from None
    except IllegalTransitionError as exc:
        message = f"{exc}: it has finished; only queued or running runs can be cancelled"
        raise fail(message, EXIT_FAILED) from None
    render.out.print(f"run {cancelled.run.run_id} cancelled")
    if cancelled.not_revoked:
        render.err.print(
            f"warning: {render.shown(cancelled.not_revoked)}: its task was not revoked; "
            "a worker that receives it drops it"
        )


def reconcile() -> None:
    """Re-queue running runs whose process is gone or whose heartbeat is stale, or fail
    them after the last attempt (workers also do this every EIOKU_RECONCILE_INTERVAL s)."""
    settings = current_settings()
    db = open_database(settings)
    sender = TaskSender(settings, db) if settings.broker_url else None
    try:
        requeue = sender.send if sender is not None else _leave_queued
        report = reconcile_by_settings(db, settings, requeue)
    finally:
        if sender is not None:
            sender.close()
    render.out.print(f"requeued {len(report.requeued)}, failed {len(report.failed)}")
    if report.requeued and sender is None:
        render.out.print(
            "nothing sent: EIOKU_BROKER_URL is not set; "
            "`eioku analyze FILE` executes the requeued runs of FILE here"
        )


def _leave_queued(run: Run) -> None:
    """Without a broker a requeued run waits for `eioku analyze` (or a later submit)."""


db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the configured database to the newest schema."""
    db = Database.from_url(current_settings().database_url)
    upgrade(db.engine)
    render.out.print(f"database at {db.engine.url.render_as_string()} is up to date")
