"""A background heartbeat for a running attempt: proves the worker is alive even while a
model computes without reporting progress, and notices when the attempt was cancelled or
superseded (then ``lost`` is set and the next progress checkpoint stops the work)."""

import logging
import threading
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError

from pipeline.db.engine import Database
from pipeline.db.repositories import RunRepository

log = logging.getLogger(__name__)


class RunHeartbeat:
    def __init__(self, db: Database, run_id: str, attempt: int, interval_s: float) -> None:
        self.db = db
        self.run_id = run_id
        self.attempt = attempt
        self.interval_s = interval_s
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{run_id[:8]}", daemon=True
        )

    def __enter__(self) -> "RunHeartbeat":
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

    def _beat(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                with self.db.transaction() as session:
                    alive = RunRepository(session).record_heartbeat(self.run_id, self.attempt)
            except SQLAlchemyError as exc:  # the database is away: keep trying
                log.warning("run %s: heartbeat not written: %s", self.run_id, exc)
                continue
            if not alive:
                self.lost.set()
                return
