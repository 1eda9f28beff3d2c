"""Background heartbeats: prove a worker is alive even while a model computes without
reporting progress, and notice when its claim was cancelled or superseded (then ``lost`` is
set and the next progress checkpoint stops the work). One for a running attempt of a run,
one for a claimed window of a segmented run."""

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError

from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from pipeline.db.repositories import RunRepository, SegmentRepository

log = logging.getLogger(__name__)


class Heartbeat:
    """Calls ``beat`` every ``interval_s`` in a thread of its own; ``beat`` writes the
    heartbeat and answers whether the claim still holds. A database away is retried."""

    def __init__(self, beat: Callable[[], bool], interval_s: float, name: str) -> None:
        self.beat = beat
        self.interval_s = interval_s
        self.name = name
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval_s + 5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                alive = self.beat()
            except SQLAlchemyError as exc:  # the database is away: keep trying
                log.warning("%s: heartbeat not written: %s", self.name, exc)
                continue
            if not alive:
                self.lost.set()
                return


class RunHeartbeat(Heartbeat):
    def __init__(self, db: Database, run_id: str, attempt: int, interval_s: float) -> None:
        def beat() -> bool:
            with db.transaction() as session:
                return RunRepository(session).record_heartbeat(run_id, attempt)

        super().__init__(beat, interval_s, f"heartbeat-{run_id[:8]}")


class WindowHeartbeat(Heartbeat):
    """Lost when the window's claim was taken over or the run stopped running."""

    def __init__(self, db: Database, run_id: str, seq: int, claim: str, interval_s: float) -> None:
        def beat() -> bool:
            with db.transaction() as session:
                if not SegmentRepository(session).beat(run_id, seq, claim):
                    return False
                run = RunRepository(session).get(run_id)
                return run is not None and run.status == RunStatus.RUNNING

        super().__init__(beat, interval_s, f"window-{seq}-{run_id[:8]}")
