"""What every request handler shares: settings, the database, the analyzer catalog, the
current profile revisions the selection policy prefers and, when a broker is
configured, the sender (created on first use)."""

import threading
from dataclasses import dataclass, field

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.api.cache_metrics import CacheCounters
from pipeline.api.frame_limits import FrameDecodeSlots
from pipeline.coordinator.current_revisions import CurrentRevisions
from pipeline.coordinator.task_sender import TaskSender
from pipeline.db.engine import Database
from pipeline.db.migrate import ensure_schema
from pipeline.settings import Settings


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

    @property
    def schema_checked(self) -> bool:
        return self._schema_checked

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
