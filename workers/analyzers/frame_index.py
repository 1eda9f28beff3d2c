"""`frame_index`: builds and persists a video's frame offsets index and packet table
(pipeline/media/frame_index_store.py) once, so that every later user reads it. It writes
no artifacts: the run records that the index exists and what it cost."""

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pipeline.analysis.contract import (
    MediaSource,
    ModelIdentity,
    ProgressCallback,
    refuse_without_video,
)
from schemas.base import Payload
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer, distribution_version

ANALYZER_VERSION = "1"


class FrameIndexConfig(AnalyzerConfig):
    """No settings: the index is fully determined by the file's bytes."""


class FrameIndexAnalyzer(BaseAnalyzer[FrameIndexConfig, None]):
    name = "frame_index"
    artifact_type = "frame_index"
    config_type = FrameIndexConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": {},
        "balanced": {},
        "high_quality": {},
    }

    @property
    def engine_version(self) -> str:
        return f"{ANALYZER_VERSION}+av{distribution_version('av')}"

    def model_identity(self, config: FrameIndexConfig) -> ModelIdentity:
        return ModelIdentity(name="pyav-packet-index")

    def _load_model(self, config: FrameIndexConfig) -> None:
        return None

    def analyze(
        self, source: MediaSource, config: FrameIndexConfig, progress: ProgressCallback
    ) -> Iterator[Payload]:
        from pipeline.media.frame_index_store import load_or_build

        refuse_without_video(source)
        load_or_build(self.settings.home, source.video_id, source.path)
        progress(1.0)
        return iter(())
