"""Reconcile runs nobody works on any more: a ``running`` run with a stale heartbeat, or
whose owner process on this host is gone, is re-queued (and its task re-sent), or failed
once it has used up its attempts."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from pipeline.coordinator.owner import owner_is_gone, this_host
from pipeline.coordinator.timing import Timing
from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories import RunRepository, StaleRunStateError
from pipeline.db.types import utcnow
from pipeline.settings import Settings

Requeue = Callable[[Run], None]


@dataclass
class ReconcileReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def reconcile_stale_runs(
    db: Database, *, stale_after_s: float, max_attempts: int, requeue: Requeue
) -> ReconcileReport:
    report = ReconcileReport()
    with db.transaction() as session:
        runs = RunRepository(session)
        for run in _abandoned(runs, stale_after_s):
            try:
                if run.attempts >= max_attempts:
                    runs.transition(
                        run,
                        RunStatus.FAILED,
                        error_code="worker_lost",
                        error_message=(
                            f"its process died or sent no heartbeat for {stale_after_s:.0f} s "
                            f"on attempt {run.attempts} of {max_attempts}; giving up"
                        ),
                    )
                    report.failed.append(run.run_id)
                else:
                    runs.transition(run, RunStatus.QUEUED)
                    report.requeued.append(run.run_id)
            except StaleRunStateError:
                continue  # its worker came back, or another reconciler got there first
    with db.sessions() as session:
        for run_id in report.requeued:
            requeue(RunRepository(session).require(run_id))
    return report


def _abandoned(runs: RunRepository, stale_after_s: float) -> list[Run]:
    silent = runs.stale_running(utcnow() - timedelta(seconds=stale_after_s))
    orphaned = [run for run in runs.running_on_host(this_host()) if owner_is_gone(run)]
    return list({run.run_id: run for run in [*silent, *orphaned]}.values())


def reconcile_by_settings(db: Database, settings: Settings, requeue: Requeue) -> ReconcileReport:
    return reconcile_stale_runs(
        db,
        stale_after_s=Timing.from_settings(settings).stale_after_s,
        max_attempts=settings.max_attempts,
        requeue=requeue,
    )
