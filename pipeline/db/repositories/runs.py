"""Runs and their guarded lifecycle: every status change is a compare-and-set in SQL."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pipeline.db.models import Run, RunStatus
from pipeline.db.types import utcnow
from pipeline.errors import EiokuError, ErrorKind

ALLOWED_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset(
        {RunStatus.RUNNING, RunStatus.CANCELLED, RunStatus.SKIPPED, RunStatus.FAILED}
    ),
    RunStatus.RUNNING: frozenset(
        {
            RunStatus.SUCCEEDED,
            RunStatus.FAILED,
            RunStatus.SKIPPED,
            RunStatus.CANCELLED,
            RunStatus.QUEUED,  # re-queued after its worker was lost
        }
    ),
    RunStatus.FAILED: frozenset({RunStatus.QUEUED}),
    RunStatus.CANCELLED: frozenset({RunStatus.QUEUED}),
    RunStatus.SKIPPED: frozenset({RunStatus.QUEUED}),
    RunStatus.SUCCEEDED: frozenset(),
}
FINISHED_STATUSES = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED, RunStatus.CANCELLED}
)


class IllegalTransitionError(EiokuError, RuntimeError):
    code = "illegal_transition"
    kind = ErrorKind.CONFLICT

    def __init__(self, run_id: str, current: str, target: str) -> None:
        super().__init__(f"run {run_id}: cannot go from {current} to {target}", "run_id")
        self.run_id, self.current, self.target = run_id, current, target


class StaleRunStateError(IllegalTransitionError):
    """Someone else changed the run's status between our read and our write."""

    code = "run_changed"


class RunNotFoundError(EiokuError, LookupError):
    code = "run_not_found"
    kind = ErrorKind.NOT_FOUND

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no run with id {run_id!r}", "run_id")
        self.run_id = run_id


def is_silent(run: Run, stale_after_s: float) -> bool:
    """No heartbeat (nor start, nor queueing) for longer than ``stale_after_s``."""
    last_seen = run.heartbeat_at or run.started_at or run.queued_at
    return last_seen < utcnow() - timedelta(seconds=stale_after_s)


def new_run_id() -> str:
    return uuid.uuid4().hex


class RunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, **fields: Any) -> Run:
        run = Run(
            run_id=fields.pop("run_id", None) or new_run_id(),
            status=RunStatus.QUEUED,
            attempts=0,
            progress=0.0,
            artifact_count=0,
            queued_at=utcnow(),
            **fields,
        )
        self.session.add(run)
        self.session.flush()
        return run

    def get(self, run_id: str) -> Run | None:
        return self.session.get(Run, run_id)

    def require(self, run_id: str) -> Run:
        run = self.get(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def latest_with_key(self, cache_key: str, statuses: Sequence[RunStatus]) -> Run | None:
        """A dismissed run does not count: its artifacts may be pruned."""
        query = (
            select(Run)
            .where(
                Run.cache_key == cache_key,
                Run.status.in_(list(statuses)),
                Run.dismissed_at.is_(None),
            )
            .order_by(Run.finished_at.desc().nulls_last(), Run.queued_at.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()

    def find(
        self, *, video_id: str | None = None, status: str | None = None, limit: int = 500
    ) -> list[Run]:
        query = select(Run).order_by(Run.queued_at.desc(), Run.run_id).limit(limit)
        if video_id is not None:
            query = query.where(Run.video_id == video_id)
        if status is not None:
            query = query.where(Run.status == status)
        return list(self.session.scalars(query))

    def analyzers_of(self, video_id: str, artifact_type: str) -> list[str]:
        """The analyzers of the video's succeeded runs of ``artifact_type``."""
        query = (
            select(Run.analyzer)
            .distinct()
            .where(
                Run.video_id == video_id,
                Run.artifact_type == artifact_type,
                Run.status == RunStatus.SUCCEEDED,
            )
        )
        return sorted(self.session.scalars(query))

    def count_by_status(self) -> dict[str, int]:
        query = select(Run.status, func.count()).group_by(Run.status)
        return {status: count for status, count in self.session.execute(query)}

    def transition(self, run: Run, target: RunStatus, **changes: Any) -> Run:
        target = RunStatus(target)  # accept plain strings
        current = RunStatus(run.status)
        if target not in ALLOWED_TRANSITIONS[current]:
            raise IllegalTransitionError(run.run_id, current, target)
        values = {**self._lifecycle_fields(target, utcnow()), **changes, "status": target}
        result = self.session.execute(
            update(Run)
            .where(Run.run_id == run.run_id, Run.status == current, Run.attempts == run.attempts)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        self.session.refresh(run)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleRunStateError(run.run_id, run.status, target)
        return run

    @staticmethod
    def _lifecycle_fields(target: RunStatus, now: datetime) -> dict[str, Any]:
        if target is RunStatus.RUNNING:
            return {
                "attempts": Run.attempts + 1,
                "started_at": now,
                "heartbeat_at": now,
                "finished_at": None,
                "error_code": None,
                "error_message": None,
            }
        if target is RunStatus.QUEUED:
            no_owner = {"owner_host": None, "owner_pid": None, "owner_start": None}
            return {"queued_at": now, "progress": 0.0, "finished_at": None, **no_owner}
        return {"finished_at": now}

    def record_progress(self, run_id: str, progress: float, attempt: int | None = None) -> bool:
        """Store progress and a heartbeat; False when the run (or this attempt of it) is no
        longer running, i.e. it was cancelled or taken over: the worker must stop."""
        return self._touch(
            run_id, attempt, progress=min(max(progress, 0.0), 1.0), heartbeat_at=utcnow()
        )

    def record_heartbeat(self, run_id: str, attempt: int | None = None) -> bool:
        return self._touch(run_id, attempt, heartbeat_at=utcnow())

    def _touch(self, run_id: str, attempt: int | None, **values: Any) -> bool:
        query = update(Run).where(Run.run_id == run_id, Run.status == RunStatus.RUNNING)
        if attempt is not None:
            query = query.where(Run.attempts == attempt)
        result = self.session.execute(
            query.values(**values).execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    def stale_running(self, older_than: datetime) -> list[Run]:
        """Running runs whose last sign of life is older than ``older_than``."""
        last_seen = func.coalesce(Run.heartbeat_at, Run.started_at, Run.queued_at)
        query = select(Run).where(Run.status == RunStatus.RUNNING, last_seen < older_than)
        return list(self.session.scalars(query.order_by(Run.run_id)))

    def running_on_host(self, host: str) -> list[Run]:
        query = select(Run).where(Run.status == RunStatus.RUNNING, Run.owner_host == host)
        return list(self.session.scalars(query.order_by(Run.run_id)))
