"""The revision each profile is at now, per artifact type: what the cache diff calls
*current*, handed to the selection policy so that a query prefers the run computed under
its profile's current revision (docs/ARCHITECTURE.md, "Selection policies").

Two ways to find the analyzers of an artifact type: the server scans the whole catalog
once (``CurrentRevisions``); a command or the planner asks the runs of the one video it
reads (``video_revisions``), so that it imports only the analyzers that ran."""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.consulted import (
    ConsultedFiles,
    all_unchanged,
    file_signature,
    recording_consulted,
)
from pipeline.analysis.models import ModelAnalyzer
from pipeline.analysis.profiles import ProfileBook
from pipeline.coordinator.cache_diff import ProfileBlockedError, Revisions
from pipeline.db.repositories.run_selection import RevisionPairs
from pipeline.db.repositories.runs import RunRepository


def revisions_now(catalog: AnalyzerCatalog, analyzers: Iterable[str]) -> RevisionPairs:
    """(profile, revision) for every profile each analyzer can run (the built-in ones,
    the profiles file's, the analyzer's own such as ``smoke``), at the revision it has
    now. A profile whose revision cannot be computed (gone from the profiles file,
    settings no longer valid, analyzer not installed) has none: its runs are all stale."""
    revisions = Revisions(catalog)
    pairs = []
    for name in analyzers:
        try:
            analyzer = catalog.get(name)
        except LookupError:
            continue
        own = analyzer.model_profiles() if isinstance(analyzer, ModelAnalyzer) else []
        for profile in sorted(set(catalog.profiles.names()) | set(own)):
            try:
                pairs.append((profile, revisions.get(name, profile).value))
            except ProfileBlockedError:
                continue
    return tuple(pairs)


def video_revisions(
    session: Session, catalog: AnalyzerCatalog, video_id: str
) -> Callable[[str], RevisionPairs]:
    """The current revisions of the analyzers that have runs of each artifact type on the
    video: for a process that reads one video (the selection policy manager asks once per
    type)."""

    def of_type(artifact_type: str) -> RevisionPairs:
        return revisions_now(catalog, RunRepository(session).analyzers_of(video_id, artifact_type))

    return of_type


@dataclass(frozen=True)
class _Computed:
    pairs: RevisionPairs
    profiles: ProfileBook
    models_dir: tuple[int, int] | None
    consulted: ConsultedFiles


class CurrentRevisions:
    """The current revisions of every analyzer in the catalog that produces an artifact
    type, for a long-lived process (the server): kept per type and computed again only
    when what they depend on changes — the profiles file (which the catalog reads again
    when its size or mtime changes), the models folder (a weights file added, removed or
    renamed) or a weights file hashed for a model's identity. Checking that is a few
    stats per query."""

    def __init__(self, catalog: AnalyzerCatalog, models_dir: Path) -> None:
        self._catalog = catalog
        self._models_dir = models_dir
        self._computed: dict[str, _Computed] = {}
        self._lock = threading.Lock()

    def of_type(self, artifact_type: str) -> RevisionPairs:
        known = self._computed.get(artifact_type)
        if known is not None and self._still_valid(known):
            return known.pairs
        with self._lock:
            computed = self._compute(artifact_type)
            self._computed[artifact_type] = computed
        return computed.pairs

    def _still_valid(self, known: _Computed) -> bool:
        return (
            self._catalog.profiles is known.profiles
            and file_signature(self._models_dir) == known.models_dir
            and all_unchanged(known.consulted)
        )

    def _compute(self, artifact_type: str) -> _Computed:
        profiles = self._catalog.profiles
        models_dir = file_signature(self._models_dir)
        producers = [
            name
            for name in self._catalog.names()
            if self._catalog.get(name).artifact_type == artifact_type
        ]
        with recording_consulted() as consulted:
            pairs = revisions_now(self._catalog, producers)
        return _Computed(pairs, profiles, models_dir, consulted)
