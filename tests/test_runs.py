"""RunRepository lifecycle on SQLite and PostgreSQL: guarded transitions, progress, and
the partial unique index on active cache keys."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories import IllegalTransitionError, RunRepository, StaleRunStateError
from pipeline.db.repositories.runs import ALLOWED_TRANSITIONS, FINISHED_STATUSES
from tests.support.factories import make_run, make_video

PAIRS = list(itertools.product(RunStatus, RunStatus))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def snapshot(db: Database, run_id: str) -> dict[str, Any]:
    """Every column of the run as stored, read through a fresh session."""
    with db.sessions() as session:
        run = session.get(Run, run_id)
        assert run is not None
        return {c.key: getattr(run, c.key) for c in inspect(Run).column_attrs}


def create_run(db: Database, status: RunStatus, **fields: Any) -> str:
    """A run in ``status`` whose timestamps all lie in the past, with an old error set."""
    with db.transaction() as session:
        video = make_video(session)
        run = make_run(
            session,
            video.video_id,
            status=status,
            attempts=2,
            progress=0.5,
            queued_at=LONG_AGO,
            started_at=LONG_AGO if status is not RunStatus.QUEUED else None,
            heartbeat_at=LONG_AGO if status is not RunStatus.QUEUED else None,
            finished_at=LONG_AGO if status in FINISHED_STATUSES else None,
            error_code="E_OLD" if status is RunStatus.FAILED else None,
            error_message="old failure" if status is RunStatus.FAILED else None,
            **fields,
        )
        return run.run_id


def test_the_transition_table_covers_every_status() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(RunStatus)
    assert ALLOWED_TRANSITIONS[RunStatus.SUCCEEDED] == frozenset()
    assert all(status not in targets for status, targets in ALLOWED_TRANSITIONS.items())


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition(db: Database, current: RunStatus, target: RunStatus) -> None:
    run_id = create_run(db, current)
    before = snapshot(db, run_id)
    started = datetime.now(UTC) - timedelta(seconds=1)

    if target not in ALLOWED_TRANSITIONS[current]:
        with pytest.raises(IllegalTransitionError) as caught, db.transaction() as session:
            run = RunRepository(session).require(run_id)
            RunRepository(session).transition(run, target)
        assert type(caught.value) is IllegalTransitionError
        assert (caught.value.run_id, caught.value.current, caught.value.target) == (
            run_id,
            current,
            target,
        )
        assert snapshot(db, run_id) == before
        return

    with db.transaction() as session:
        run = RunRepository(session).require(run_id)
        returned = RunRepository(session).transition(run, target, worker="gpu-host-1")
        assert returned is run
        assert run.status == target
    after = snapshot(db, run_id)
    assert after["status"] == target
    assert after["worker"] == "gpu-host-1"
    if target is RunStatus.RUNNING:
        assert after["attempts"] == before["attempts"] + 1
        assert after["started_at"] >= started
        assert after["heartbeat_at"] >= started
        assert after["finished_at"] is None
        assert (after["error_code"], after["error_message"]) == (None, None)
    elif target is RunStatus.QUEUED:
        assert after["attempts"] == before["attempts"]
        assert after["queued_at"] >= started
        assert after["progress"] == 0.0
        assert after["finished_at"] is None
    else:
        assert target in FINISHED_STATUSES
        assert after["attempts"] == before["attempts"]
        assert after["finished_at"] >= started
        assert after["started_at"] == before["started_at"]
    unchanged = {"run_id", "video_id", "cache_key", "config", "profile", "artifact_count"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_transition_of_a_run_changed_by_someone_else_is_stale(db: Database) -> None:
    run_id = create_run(db, RunStatus.QUEUED)
    with db.sessions() as first, db.sessions() as second:
        mine = first.get(Run, run_id)
        theirs = second.get(Run, run_id)
        assert mine is not None and theirs is not None
        assert mine.status == theirs.status == RunStatus.QUEUED

        RunRepository(first).transition(mine, RunStatus.RUNNING, worker="first")
        first.commit()

        with pytest.raises(StaleRunStateError) as caught:
            RunRepository(second).transition(theirs, RunStatus.RUNNING, worker="second")
        second.rollback()
    assert caught.value.current == RunStatus.RUNNING
    assert caught.value.target == RunStatus.RUNNING
    stored = snapshot(db, run_id)
    assert (stored["status"], stored["worker"], stored["attempts"]) == ("running", "first", 3)


def test_record_progress_only_while_running(db: Database) -> None:
    run_id = create_run(db, RunStatus.QUEUED)
    with db.transaction() as session:
        assert RunRepository(session).record_progress(run_id, 0.3) is False
    assert snapshot(db, run_id)["progress"] == 0.5

    with db.transaction() as session:
        repository = RunRepository(session)
        repository.transition(repository.require(run_id), RunStatus.RUNNING)
    before = snapshot(db, run_id)
    for reported, stored in [(0.25, 0.25), (1.7, 1.0), (-0.5, 0.0)]:
        with db.transaction() as session:
            assert RunRepository(session).record_progress(run_id, reported) is True
        after = snapshot(db, run_id)
        assert after["progress"] == stored
        assert after["heartbeat_at"] >= before["heartbeat_at"]

    with db.transaction() as session:
        repository = RunRepository(session)
        repository.transition(repository.require(run_id), RunStatus.CANCELLED)
    with db.transaction() as session:
        assert RunRepository(session).record_progress(run_id, 0.9) is False
    assert snapshot(db, run_id)["progress"] == 0.0
    with db.transaction() as session:
        assert RunRepository(session).record_progress("0" * 32, 0.9) is False


# --- one active run per cache key --------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (RunStatus.QUEUED, RunStatus.QUEUED),
        (RunStatus.QUEUED, RunStatus.RUNNING),
        (RunStatus.RUNNING, RunStatus.RUNNING),
    ],
    ids=str,
)
def test_two_active_runs_with_one_cache_key_are_refused(
    db: Database, first: RunStatus, second: RunStatus
) -> None:
    with db.transaction() as session:
        video_id = make_video(session).video_id
        make_run(session, video_id, cache_key="k" * 64, status=first)
    with pytest.raises(IntegrityError), db.transaction() as session:
        make_run(session, video_id, cache_key="k" * 64, status=second)
    with db.sessions() as session:
        assert len(session.query(Run).filter_by(cache_key="k" * 64).all()) == 1


def test_finished_runs_do_not_block_an_active_one_with_the_same_key(db: Database) -> None:
    key = "k" * 64
    with db.transaction() as session:
        video_id = make_video(session).video_id
        done = make_run(session, video_id, cache_key=key, status=RunStatus.SUCCEEDED).run_id
        failed = make_run(session, video_id, cache_key=key, status=RunStatus.FAILED).run_id
        make_run(session, video_id, cache_key=key, status=RunStatus.CANCELLED)
        queued = make_run(session, video_id, cache_key=key, status=RunStatus.QUEUED).run_id
    with db.sessions() as session:
        repository = RunRepository(session)
        assert repository.require(queued).status == RunStatus.QUEUED
        assert repository.latest_with_key(key, [RunStatus.SUCCEEDED]).run_id == done  # type: ignore[union-attr]

    # re-queueing the failed run would make a second active run with that key
    with pytest.raises(IntegrityError), db.transaction() as session:
        repository = RunRepository(session)
        repository.transition(repository.require(failed), RunStatus.QUEUED)
    assert snapshot(db, failed)["status"] == RunStatus.FAILED


def test_a_plain_string_target_gets_the_lifecycle_fields_of_its_status(db: Database) -> None:
    with db.transaction() as session:
        run = make_run(session, make_video(session).video_id)
        RunRepository(session).transition(run, "running")  # type: ignore[arg-type]
        assert (run.status, run.attempts) == ("running", 1)
        assert run.started_at is not None and run.finished_at is None
