"""The reconciler on both databases: stale running runs are re-queued (and re-sent), or
failed once their attempts are used up; live ones are left alone."""

from datetime import timedelta

from pipeline.coordinator.reconcile import reconcile_stale_runs
from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories import RunRepository
from pipeline.db.types import utcnow
from tests.support.factories import make_run, make_video


def running_run(db: Database, *, silent_for_s: float, attempts: int) -> str:
    with db.transaction() as session:
        video = make_video(session)
        run = make_run(session, video.video_id, status=RunStatus.RUNNING)
        run.attempts = attempts
        run.heartbeat_at = utcnow() - timedelta(seconds=silent_for_s)
        return run.run_id


def test_stale_runs_are_requeued_or_failed_and_live_ones_kept(db: Database) -> None:
    stale = running_run(db, silent_for_s=600, attempts=1)
    exhausted = running_run(db, silent_for_s=600, attempts=3)
    alive = running_run(db, silent_for_s=1, attempts=1)
    sent: list[Run] = []

    report = reconcile_stale_runs(db, stale_after_s=120, max_attempts=3, requeue=sent.append)

    assert report.requeued == [stale]
    assert report.failed == [exhausted]
    assert [run.run_id for run in sent] == [stale]
    with db.sessions() as session:
        runs = RunRepository(session)
        assert runs.require(stale).status == "queued"
        failed = runs.require(exhausted)
        assert (failed.status, failed.error_code) == ("failed", "worker_lost")
        assert failed.finished_at is not None
        assert runs.require(alive).status == "running"


def test_a_second_pass_finds_nothing_to_do(db: Database) -> None:
    running_run(db, silent_for_s=600, attempts=1)
    reconcile_stale_runs(db, stale_after_s=120, max_attempts=3, requeue=lambda run: None)
    again = reconcile_stale_runs(db, stale_after_s=120, max_attempts=3, requeue=lambda run: None)
    assert (again.requeued, again.failed) == ([], [])
