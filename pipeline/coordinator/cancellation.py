"""Cancel a run in the database: whoever executes it (a worker, another `eioku analyze`)
learns it at its next progress checkpoint or heartbeat and stops without writing
artifacts. No broker is needed; with one, the caller may also revoke the run's task."""

from dataclasses import dataclass

from pipeline.coordinator.faults import broker_unreachable
from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories import RunRepository
from pipeline.settings import Settings


def cancel_run(db: Database, run_id: str) -> Run:
    """Raises RunNotFoundError, or IllegalTransitionError for a run already finished."""
    with db.transaction() as session:
        runs = RunRepository(session)
        return runs.transition(runs.require(run_id), RunStatus.CANCELLED)


@dataclass(frozen=True)
class Cancellation:
    run: Run
    # why the run's waiting task was not revoked (the broker did not answer); a worker
    # that receives it finds the run cancelled and drops it
    not_revoked: str | None = None


def cancel_and_revoke(settings: Settings, db: Database, run_id: str) -> Cancellation:
    """Cancel the run and, with a broker configured, revoke its waiting task. Raises as
    cancel_run does; a broker that does not answer leaves the run cancelled."""
    run = cancel_run(db, run_id)
    if not (run.task_id and settings.broker_url):
        return Cancellation(run)
    from pipeline.coordinator.task_sender import TaskSender  # Celery only with a broker

    sender = TaskSender(settings, db)
    try:
        sender.revoke(run.task_id)
    except Exception as exc:
        if not broker_unreachable(exc):
            raise
        return Cancellation(run, f"the broker is unreachable ({exc})")
    finally:
        sender.close()
    return Cancellation(run)
