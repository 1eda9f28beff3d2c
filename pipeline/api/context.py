"""What every request handler shares: settings, the database, the analyzer catalog, the
current profile revisions the selection policy prefers and, when a broker is
configured, the sender (created on first use); and the one way a handler does its
database work (docs/ARCHITECTURE.md, "Request path"): an ``async def`` handler hands one
function to ``read``, ``write`` or ``carry_out``, which runs it in the thread pool, the
request's one hand-off, after the schema check of the first request."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.api.cache_metrics import CacheCounters
from pipeline.api.frame_limits import FrameDecodeSlots
from pipeline.coordinator.current_revisions import CurrentRevisions
from pipeline.coordinator.task_sender import TaskSender
from pipeline.db.engine import Database
from pipeline.db.migrate import ensure_schema
from pipeline.settings import Settings

T = TypeVar("T")


@dataclass
class ApiContext:
    settings: Settings
    db: Database
    catalog: AnalyzerCatalog
    frame_slots: FrameDecodeSlots = field(init=False)
    current_revisions: CurrentRevisions = field(init=False)
    counters: CacheCounters = field(default_factory=CacheCounters)
    _sender: TaskSender | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _schema_checked: bool = False

    def __post_init__(self) -> None:
        self.frame_slots = FrameDecodeSlots(self.settings.frame_decodes)
        self.current_revisions = CurrentRevisions(self.catalog, self.settings.models_path)

    def check_schema(self) -> None:
        """Make sure the schema is current the first time the database answers: the
        embedded SQLite migrates itself, a server database must be at head
        (SchemaOutOfDateError). Raises SQLAlchemy's error while the database is down."""
        if self._schema_checked:
            return
        with self._lock:
            if not self._schema_checked:
                ensure_schema(self.db.engine, migrate=self.settings.is_embedded_database)
                self._schema_checked = True

    async def read(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` on a connection that reads in autocommit: no BEGIN and
        COMMIT, each statement at READ COMMITTED as in a transaction. It must not write."""
        return await run_in_threadpool(self._read, work)

    async def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one transaction, committed before this returns (so before
        the response is sent: a client that reads right after sees it), rolled back when
        it raises."""
        return await run_in_threadpool(self._write, work)

    async def carry_out(self, work: Callable[[], T]) -> T:
        """``work()`` for an operation of the coordinator that takes the database and
        commits each of its steps itself (submission, regeneration, cancellation)."""
        return await run_in_threadpool(self._carry_out, work)

    def _read(self, work: Callable[[Session], T]) -> T:
        self.check_schema()
        with self.db.reading() as connection, Session(bind=connection) as session:
            return work(session)

    def _write(self, work: Callable[[Session], T]) -> T:
        self.check_schema()
        with self.db.transaction() as session:
            return work(session)

    def _carry_out(self, work: Callable[[], T]) -> T:
        self.check_schema()
        return work()

    def sender(self) -> TaskSender:
        with self._lock:
            if self._sender is None:
                self._sender = TaskSender(self.settings, self.db)
            return self._sender

    def close(self) -> None:
        with self._lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None
        self.db.dispose()
