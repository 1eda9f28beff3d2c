"""Counters of regeneration and cache-diff views, kept by the server process (no labels,
so no payload can reach them)."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter


def _counter(name: str, documentation: str) -> Counter:
    return Counter(name, documentation, registry=None)


@dataclass(frozen=True)
class CacheCounters:
    regeneration_triggered: Counter = field(
        default_factory=lambda: _counter(
            "eioku_regeneration_triggered", "Runs a regeneration request enqueued."
        )
    )
    regeneration_failed: Counter = field(
        default_factory=lambda: _counter(
            "eioku_regeneration_failed", "Regeneration runs that failed in this server."
        )
    )
    diagnostics_opened: Counter = field(
        default_factory=lambda: _counter("eioku_diagnostics_opened", "Cache diff views.")
    )

    def register(self, registry: CollectorRegistry) -> None:
        for counter in (
            self.regeneration_triggered,
            self.regeneration_failed,
            self.diagnostics_opened,
        ):
            registry.register(counter)
