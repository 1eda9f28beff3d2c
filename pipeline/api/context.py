"""What every request handler shares: settings, the database, the analyzer catalog and,
when a broker is configured, the dispatcher (created on first use)."""

import threading
from dataclasses import dataclass, field

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.dispatch import Dispatcher
from pipeline.db.engine import Database
from pipeline.settings import Settings


@dataclass
class ApiContext:
    settings: Settings
    db: Database
    catalog: AnalyzerCatalog
    _dispatcher: Dispatcher | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def dispatcher(self) -> Dispatcher:
        with self._lock:
            if self._dispatcher is None:
                self._dispatcher = Dispatcher(self.settings, self.db)
            return self._dispatcher

    def close(self) -> None:
        with self._lock:
            if self._dispatcher is not None:
                self._dispatcher.close()
                self._dispatcher = None
        self.db.dispose()
