"""Segmented runs (docs/ARCHITECTURE.md, "Segments"). The process that claimed the run —
its **owner** — plans the windows once, asks for helpers, and then claims window after
window itself until none is left; **helpers** (the same task on the analyzer's queue,
marked as a helper) claim windows of the same run while it is running, so idle workers
join in. Every finished window's observations are stored at once; the owner waits for
windows helpers still work on, takes over those whose helper went silent, and returns the
observations of all windows for the one final transaction.

A resumed run (a takeover, ``--resume``, a worker's retry, the reconciler) keeps the
windows and their finished observations: it redoes only what had not finished."""

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from pipeline.analysis.contract import MediaSource, ProgressCallback, RunCancelledError
from pipeline.analysis.segments import SegmentedAnalyzer, Window, plan_windows
from pipeline.coordinator.heartbeat import WindowHeartbeat
from pipeline.coordinator.owner import ProcessOwner, owner_is_gone
from pipeline.coordinator.timing import Timing
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus, SegmentStatus
from pipeline.db.repositories import RunRepository, SegmentRepository
from pipeline.db.types import utcnow

log = logging.getLogger(__name__)

Dispatch = Callable[[int], None]
"""Ask for this many helpers (sends helper tasks); absent when running embedded."""

WAIT_POLL_S = 0.5  # how often an owner with nothing left to claim looks at its helpers


def windows_for(
    source: MediaSource, segment_s: float, scene_cuts: Callable[[], Sequence[int]] = tuple
) -> list[Window]:
    """The run's windows: about ``segment_s`` each, boundaries on the video's scene cuts
    (``scene_cuts``, asked only for a video long enough to be segmented) or keyframes."""
    segment_ms = max(round(segment_s * 1000), 1)
    if source.duration_ms < segment_ms * 3 // 2:
        return [Window.whole(source.duration_ms)]
    return plan_windows(source.duration_ms, segment_ms, _keyframes_ms(source), scene_cuts())


def _keyframes_ms(source: MediaSource) -> list[int]:
    if not source.has_video:
        return []
    from pipeline.media.errors import MediaError
    from pipeline.media.frames import FrameSampler

    try:
        with FrameSampler(source.path) as sampler:
            return sampler.keyframe_times_ms()
    except MediaError:
        return []  # the analyzer reports what is wrong with the file


class SegmentWork:
    """Observing the windows of one run with one analyzer, in one process."""

    def __init__(
        self,
        db: Database,
        run_id: str,
        analyzer: SegmentedAnalyzer,
        config: BaseModel,
        source: MediaSource,
        *,
        worker: str,
        timing: Timing,
    ) -> None:
        self.db = db
        self.run_id = run_id
        self.analyzer = analyzer
        self.config = config
        self.source = source
        self.worker = worker
        self.timing = timing

    def own(
        self, windows: list[Window], progress: ProgressCallback, dispatch: Dispatch | None
    ) -> Iterator[object]:
        """As the run's owner: plan, ask for helpers, observe until every window is done;
        then the observations of all windows in time order."""
        with self.db.transaction() as session:
            planned = SegmentRepository(session).plan(self.run_id, windows)
            counts = SegmentRepository(session).counts(self.run_id)
        total = len(planned)
        unfinished = total - counts.get(SegmentStatus.DONE, 0)
        if dispatch is not None and unfinished > 1:
            dispatch(unfinished - 1)
        while True:
            claimed = self._claim()
            done = self._count_done()
            if claimed is not None:
                self._observe(*claimed, _share_of(progress, done, total))
                continue
            if done == total:
                break
            progress(done / total)  # a checkpoint: raises when the run was cancelled
            time.sleep(WAIT_POLL_S)
        progress(1.0)
        return self._stored()

    def help(self, is_running: Callable[[], bool]) -> int:
        """As a helper: observe windows of the run while any is free and the run is still
        running. Returns how many this process finished."""
        finished = 0
        while is_running():
            claimed = self._claim()
            if claimed is None:
                break
            self._observe(*claimed, lambda part: None)
            finished += 1
        return finished

    def _count_done(self) -> int:
        with self.db.sessions() as session:
            return SegmentRepository(session).counts(self.run_id).get(SegmentStatus.DONE, 0)

    def _claim(self) -> tuple[Window, str] | None:
        stale_before = utcnow() - timedelta(seconds=self.timing.stale_after_s)
        owner = ProcessOwner.current().as_columns()
        with self.db.transaction() as session:
            return SegmentRepository(session).claim_next(
                self.run_id, self.worker, owner, stale_before, owner_is_gone
            )

    def _observe(self, window: Window, claim: str, progress: ProgressCallback) -> None:
        began = time.monotonic()
        heartbeat = WindowHeartbeat(
            self.db, self.run_id, window.index, claim, self.timing.heartbeat_interval_s
        )

        def checkpoint(part: float) -> None:
            if heartbeat.lost.is_set():
                raise RunCancelledError(f"run {self.run_id}: window {window.index} was lost")
            progress(part)

        try:
            with heartbeat:
                observed = list(self.analyzer.observe(self.source, self.config, window, checkpoint))
        except BaseException:
            self._release(window, claim)
            raise
        elapsed_ms = round((time.monotonic() - began) * 1000)
        with self.db.transaction() as session:
            kept = SegmentRepository(session).finish(
                self.run_id, window.index, claim, observed, elapsed_ms
            )
        if not kept:
            log.info("run %s: window %d was taken over meanwhile", self.run_id, window.index)
        log.info(
            "run %s: window %d/%d (%d-%d ms) observed in %.1f s by %s",
            self.run_id, window.index + 1, window.count, window.start_ms, window.end_ms,
            elapsed_ms / 1000, self.worker,
        )  # fmt: skip

    def _release(self, window: Window, claim: str) -> None:
        try:
            with self.db.transaction() as session:
                SegmentRepository(session).release(self.run_id, window.index, claim)
        except SQLAlchemyError as exc:  # it goes stale and is taken over instead
            log.warning("run %s: window %d not released: %s", self.run_id, window.index, exc)

    def _stored(self) -> Iterator[object]:
        with self.db.sessions() as session:
            yield from SegmentRepository(session).observations(self.run_id)


def _share_of(progress: ProgressCallback, done: int, total: int) -> ProgressCallback:
    """The run's progress from one window's: finished windows plus the one in hand."""
    return lambda part: progress(min((done + part) / total, 1.0))


def run_is_running(db: Database, run_id: str) -> Callable[[], bool]:
    def check() -> bool:
        with db.sessions() as session:
            run = RunRepository(session).get(run_id)
            return run is not None and run.status == RunStatus.RUNNING

    return check
