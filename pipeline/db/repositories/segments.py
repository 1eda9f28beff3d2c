"""The windows of segmented runs: planned once per run, claimed by one worker at a time
with a compare-and-set, finished with their observations (docs/ARCHITECTURE.md,
"Segments")."""

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pipeline.analysis.segments import Observation, Window
from pipeline.db.models import RunSegment, SegmentStatus
from pipeline.db.types import utcnow


class SegmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(self, run_id: str, windows: Sequence[Window]) -> list[Window]:
        """The run's windows: those planned before (a resumed run keeps its boundaries and
        its finished windows), else ``windows``, recorded now."""
        planned = self.windows(run_id)
        if planned:
            return planned
        for window in windows:
            self.session.add(
                RunSegment(
                    run_id=run_id,
                    seq=window.index,
                    start_ms=window.start_ms,
                    end_ms=window.end_ms,
                    status=SegmentStatus.PENDING,
                )
            )
        self.session.flush()
        return list(windows)

    def windows(self, run_id: str) -> list[Window]:
        rows = self.session.execute(
            select(RunSegment.seq, RunSegment.start_ms, RunSegment.end_ms)
            .where(RunSegment.run_id == run_id)
            .order_by(RunSegment.seq)
        ).all()
        return [Window(seq, len(rows), start, end) for seq, start, end in rows]

    def claim_next(
        self,
        run_id: str,
        worker: str,
        owner: Mapping[str, Any],
        stale_before: datetime,
        abandoned: Callable[[RunSegment], bool],
    ) -> tuple[Window, str] | None:
        """Claim the first window nobody works on — pending, or running with a heartbeat
        older than ``stale_before`` or ``abandoned`` (its process is known to be gone) —
        for ``worker`` and the process ``owner`` (owner_* columns), and return it with the
        claim token that later writes must show. None when every window is done or held."""
        segments = self.session.scalars(
            select(RunSegment).where(RunSegment.run_id == run_id).order_by(RunSegment.seq)
        ).all()
        for segment in segments:
            if not _free(segment, stale_before, abandoned):
                continue
            token = uuid.uuid4().hex
            claimed = self.session.execute(
                update(RunSegment)
                .where(
                    RunSegment.run_id == run_id,
                    RunSegment.seq == segment.seq,
                    RunSegment.status == segment.status,
                    _same_claim(segment.claim),
                )
                .values(
                    status=SegmentStatus.RUNNING,
                    claim=token,
                    worker=worker,
                    heartbeat_at=utcnow(),
                    **owner,
                )
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                window = Window(segment.seq, len(segments), segment.start_ms, segment.end_ms)
                return window, token
        return None

    def beat(self, run_id: str, seq: int, claim: str) -> bool:
        """A heartbeat for a claimed window; False when the claim was lost."""
        return self._by_claim(run_id, seq, claim, heartbeat_at=utcnow())

    def finish(
        self, run_id: str, seq: int, claim: str, observations: list[Observation], elapsed_ms: int
    ) -> bool:
        """Store a window's observations; False (nothing stored) when the claim was lost."""
        return self._by_claim(
            run_id,
            seq,
            claim,
            status=SegmentStatus.DONE,
            observations=observations,
            elapsed_ms=elapsed_ms,
            heartbeat_at=utcnow(),
        )

    def release(self, run_id: str, seq: int, claim: str) -> None:
        """Give a window back (its work stopped) so that another worker takes it at once."""
        self._by_claim(run_id, seq, claim, status=SegmentStatus.PENDING, claim=None, worker=None)

    def counts(self, run_id: str) -> dict[str, int]:
        rows = self.session.execute(
            select(RunSegment.status, func.count())
            .where(RunSegment.run_id == run_id)
            .group_by(RunSegment.status)
        ).all()
        return {status: count for status, count in rows}

    def finished_of(self, run_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(windows done, windows) of each of these runs that has windows."""
        rows = self.session.execute(
            select(
                RunSegment.run_id,
                func.count().filter(RunSegment.status == SegmentStatus.DONE),
                func.count(),
            )
            .where(RunSegment.run_id.in_(run_ids))
            .group_by(RunSegment.run_id)
        ).all()
        return {run_id: (done, total) for run_id, done, total in rows}

    def observations(self, run_id: str) -> Iterator[Observation]:
        """Every window's observations in time order, one window in memory at a time."""
        stored = self.session.scalars(
            select(RunSegment.observations)
            .where(RunSegment.run_id == run_id)
            .order_by(RunSegment.seq)
            .execution_options(yield_per=1)
        )
        for observations in stored:
            yield from observations or ()

    def discard(self, run_id: str) -> int:
        """Forget a run's windows (committed, or computed from input that changed)."""
        result = self.session.execute(delete(RunSegment).where(RunSegment.run_id == run_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _by_claim(self, run_id: str, seq: int, token: str, **values: Any) -> bool:
        result = self.session.execute(
            update(RunSegment)
            .where(
                RunSegment.run_id == run_id,
                RunSegment.seq == seq,
                RunSegment.claim == token,
                RunSegment.status == SegmentStatus.RUNNING,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def _free(
    segment: RunSegment, stale_before: datetime, abandoned: Callable[[RunSegment], bool]
) -> bool:
    if segment.status == SegmentStatus.PENDING:
        return True
    if segment.status != SegmentStatus.RUNNING:
        return False
    silent = segment.heartbeat_at is None or segment.heartbeat_at < stale_before
    return silent or abandoned(segment)


def _same_claim(claim: str | None) -> Any:
    return RunSegment.claim.is_(None) if claim is None else RunSegment.claim == claim
