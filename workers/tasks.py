"""Tasks are thin: ``eioku.analyze.<analyzer>`` executes one run through
pipeline.coordinator.execution.execute_run (the same function embedded mode calls) and
retries with exponential backoff when the database or broker is unreachable.

Per worker process: one database engine and one analyzer catalog (so each model is
loaded once and reused), both created lazily after the fork, and a thread budget and a
share of the cores (workers.thread_budget) applied right after it."""

import logging
import os
import threading
from functools import cache
from typing import Any

import billiard.process
from celery import Celery, Task
from celery.signals import celeryd_init, worker_process_init, worker_ready

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.execution import execute_run, help_run
from pipeline.coordinator.faults import is_transient
from pipeline.coordinator.reconcile import reconcile_by_settings
from pipeline.coordinator.segmented import Dispatch
from pipeline.coordinator.task_sender import TaskSender
from pipeline.coordinator.timing import Timing
from pipeline.db.connect import open_database
from pipeline.db.engine import Database
from pipeline.settings import Settings
from pipeline.taskqueue import task_name
from workers.thread_budget import apply_thread_budget, pin_to_core_share, thread_budget

log = logging.getLogger(__name__)

MAX_TRANSIENT_RETRIES = 10
MAX_BACKOFF_S = 60


@cache
def _database(settings: Settings) -> Database:
    return open_database(settings)


@cache
def _catalog(settings: Settings) -> AnalyzerCatalog:
    return AnalyzerCatalog(settings)


_pool_size: dict[str, int] = {}


@celeryd_init.connect
def _remember_concurrency(options: dict[str, Any] | None = None, **_: Any) -> None:
    # read in the main process; the pool processes it forks inherit it
    concurrency = (options or {}).get("concurrency")
    _pool_size["concurrency"] = int(concurrency or os.cpu_count() or 1)


def prepare_pool_processes(settings: Settings) -> None:
    """After each fork: fresh connections and models, the thread budget and the pin."""

    @worker_process_init.connect(weak=False)
    def _fresh_resources_after_fork(**_: Any) -> None:
        # connections and models must not be shared across a fork
        _database.cache_clear()
        _catalog.cache_clear()
        concurrency = _pool_size.get("concurrency", 1)
        # counted before the pin narrows the usable cores
        threads = thread_budget(concurrency, settings.threads)
        index = getattr(billiard.process.current_process(), "index", None)
        pin_to_core_share(index, concurrency, settings.pin_cores)
        apply_thread_budget(threads)


def backoff_s(retries: int) -> int:
    return int(min(2**retries, MAX_BACKOFF_S))


def register_analysis_tasks(app: Celery, settings: Settings) -> None:
    timing = Timing.from_settings(settings)

    def analyze(task: Task, run_id: str, helper: bool = False, **display: Any) -> dict[str, Any]:
        """One run, or with ``helper`` free windows of a segmented run someone owns."""
        try:
            if helper:
                finished = help_run(
                    _database(settings),
                    _catalog(settings),
                    run_id,
                    worker=task.request.hostname,
                    timing=timing,
                )
                return {"run_id": run_id, "helped": finished}
            report = execute_run(
                _database(settings),
                _catalog(settings),
                run_id,
                worker=task.request.hostname,
                task_id=task.request.id,
                timing=timing,
                dispatch=_helpers_for(task, run_id, display),
            )
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("run %s: transient fault, retrying: %s", run_id, exc)
            countdown = backoff_s(task.request.retries)
            raise task.retry(
                exc=exc, countdown=countdown, max_retries=MAX_TRANSIENT_RETRIES
            ) from exc
        return {"run_id": report.run_id, "status": report.outcome.value}

    for analyzer in _catalog(settings).names():
        app.task(bind=True, name=task_name(analyzer))(analyze)


def _helpers_for(task: Task, run_id: str, display: dict[str, Any]) -> Dispatch:
    """Helper tasks for the windows of a segmented run: the same task on the same queue,
    so every idle worker of the analyzer can take one."""

    def dispatch(count: int) -> None:
        for _ in range(count):
            task.app.send_task(
                task.name,
                args=[run_id],
                kwargs={**display, "helper": True},
            )  # routed by name to the analyzer's queue
        log.info("run %s: asked for %d helper(s)", run_id, count)

    return dispatch


def start_reconciler_on_ready(settings: Settings) -> None:
    """Every worker re-queues runs whose heartbeat went stale; concurrent reconcilers are
    safe because every transition is a compare-and-set."""

    @worker_ready.connect(weak=False)
    def _start(**_: Any) -> None:
        threading.Thread(
            target=_reconcile_forever, args=(settings,), name="eioku-reconciler", daemon=True
        ).start()


def _reconcile_forever(settings: Settings) -> None:
    db = open_database(settings)
    sender = TaskSender(settings, db)
    stop = threading.Event()
    while not stop.wait(settings.reconcile_interval_s):
        try:
            report = reconcile_by_settings(db, settings, sender.send)
        except Exception as exc:  # the reconciler must outlive database and broker outages
            log.warning("reconciler pass failed: %s", exc)
            continue
        if report.requeued or report.failed:
            log.info("reconciled: requeued %s, failed %s", report.requeued, report.failed)
