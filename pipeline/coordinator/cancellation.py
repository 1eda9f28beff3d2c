"""Cancel a run in the database: whoever executes it (a worker, another `eioku analyze`)
learns it at its next progress checkpoint or heartbeat and stops without writing
artifacts. No broker is needed; with one, the caller may also revoke the run's task."""

from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories import RunRepository
from pipeline.settings import Settings


def cancel_run(db: Database, run_id: str) -> Run:
    """Raises RunNotFoundError, or IllegalTransitionError for a run already finished."""
    with db.transaction() as session:
        runs = RunRepository(session)
        return runs.transition(runs.require(run_id), RunStatus.CANCELLED)


def cancel_and_revoke(settings: Settings, db: Database, run_id: str) -> Run:
    """Cancel the run and, with a broker configured, revoke its waiting task. Raises as
    cancel_run does."""
    run = cancel_run(db, run_id)
    if run.task_id and settings.broker_url:
        from pipeline.coordinator.task_sender import TaskSender  # Celery only with a broker

        sender = TaskSender(settings, db)
        try:
            sender.revoke(run.task_id)
        finally:
            sender.close()
    return run
