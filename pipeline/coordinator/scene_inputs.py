"""Scene inputs (docs/ARCHITECTURE.md, "Scene inputs"): the scenes of a video's selected
``scenes`` run, handed at planning time to the analyzers that use them (``UsesScenes``)
through their config, so that they are part of those runs' cache keys."""

from collections.abc import Sequence
from functools import cached_property

from pydantic import BaseModel
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import Analyzer, SceneSpan, UsesScenes
from pipeline.coordinator.current_revisions import video_revisions
from pipeline.db.repositories import ArtifactRepository, SelectionPolicyManager
from schemas.payloads import Scene


class SceneInputs:
    """The scenes of one video, read once, when the first analyzer that uses them is
    planned. Which scenes run counts is the selection policy's choice, as for a query."""

    def __init__(
        self,
        session: Session,
        catalog: AnalyzerCatalog,
        video_id: str,
        profile_order: Sequence[str],
    ) -> None:
        self._session = session
        self._catalog = catalog
        self._video_id = video_id
        self._profile_order = profile_order

    def apply(self, analyzer: Analyzer, config: BaseModel) -> BaseModel:
        """``config`` with the video's scenes, if the analyzer uses them and there are any."""
        if not isinstance(analyzer, UsesScenes):
            return config
        return analyzer.with_scenes(config, self.spans) if self.spans else config

    @cached_property
    def spans(self) -> list[SceneSpan]:
        """[start_ms, end_ms) of each scene in time order; empty without a succeeded
        scenes run."""
        selection = SelectionPolicyManager(
            self._session,
            profile_order=self._profile_order,
            current_revisions=video_revisions(self._session, self._catalog, self._video_id),
        )
        scenes = ArtifactRepository(self._session, selection).get_by_asset(
            self._video_id, artifact_type=Scene.ARTIFACT_TYPE
        )
        return [(scene.span_start_ms, scene.span_end_ms) for scene in scenes]


def scenes_first(catalog: AnalyzerCatalog, analyzers: Sequence[str]) -> list[list[str]]:
    """The analyzers in the stages embedded execution plans them in: when the request
    asks for both scenes and an analyzer that uses them, the scene analyzers first, the
    others once their scenes exist."""
    producers = [name for name in analyzers if _finds_scenes(catalog, name)]
    others = [name for name in analyzers if name not in producers]
    if producers and any(isinstance(catalog.get(name), UsesScenes) for name in others):
        return [producers, others]
    return [list(analyzers)]


def _finds_scenes(catalog: AnalyzerCatalog, name: str) -> bool:
    return catalog.get(name).artifact_type == Scene.ARTIFACT_TYPE
