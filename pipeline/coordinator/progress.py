"""Progress of a running run: written to the database (progress + heartbeat) at a
throttled rate, each write in its own short transaction, and passed on to a listener."""

import threading
import time
from collections.abc import Callable

from pipeline.analysis.contract import RunCancelledError
from pipeline.db.engine import Database
from pipeline.db.repositories import RunRepository

ProgressListener = Callable[[str, float], None]


class RunProgressReporter:
    def __init__(
        self,
        db: Database,
        run_id: str,
        attempt: int,
        *,
        min_interval_s: float = 1.0,
        listener: ProgressListener | None = None,
        lost: threading.Event | None = None,
    ) -> None:
        self.db = db
        self.run_id = run_id
        self.attempt = attempt
        self.min_interval_s = min_interval_s
        self.listener = listener
        self.lost = lost or threading.Event()
        self._last_write = float("-inf")

    def __call__(self, fraction: float) -> None:
        if self.lost.is_set():
            raise RunCancelledError(f"run {self.run_id} is no longer running")
        if self.listener is not None:
            self.listener(self.run_id, fraction)
        now = time.monotonic()
        if now - self._last_write < self.min_interval_s:
            return
        self._last_write = now
        with self.db.transaction() as session:
            runs = RunRepository(session)
            still_running = runs.record_progress(self.run_id, fraction, self.attempt)
        if not still_running:
            raise RunCancelledError(f"run {self.run_id} is no longer running")
