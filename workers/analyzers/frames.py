"""`frames`: the representative frames of a video for encode comparisons (Dark, Bright,
Motion, User, Random; pipeline/frame_selection/). The selection goes through the load path of
the video's output folder, so a valid ``generated.selection.v1.json`` there is used as is
(nothing decoded) and a stale or missing one is rewritten with ``generated.compframes``;
each chosen frame is also one ``frame.selection`` artifact."""

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pipeline.analysis.contract import (
    AnalysisInputError,
    MediaSource,
    ModelIdentity,
    ProgressCallback,
    refuse_without_video,
)
from pipeline.analysis.declarations import Lane, Produces
from pipeline.frame_selection.config import ENGINE_TAG, SelectionConfig
from schemas.payloads import FrameSelection
from schemas.selection_file import SelectionRecord
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer, distribution_version

ANALYZER_VERSION = "1"


class FramesConfig(SelectionConfig, AnalyzerConfig):
    """The selection settings (pipeline/frame_selection/config.py)."""


class FramesAnalyzer(BaseAnalyzer[FramesConfig, None]):
    name = "frames"
    produces = Produces(
        FrameSelection,
        jump="frame",
        lane=Lane("Selected frames", order=70, item="Frame Selection Type: {kind}"),
    )
    config_type = FramesConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": {"step": 4},
        "balanced": {},
        "high_quality": {"step": 1},
    }

    @property
    def engine_version(self) -> str:
        return f"{ANALYZER_VERSION}+{ENGINE_TAG}+av{distribution_version('av')}"

    def model_identity(self, config: FramesConfig) -> ModelIdentity:
        return ModelIdentity(name=ENGINE_TAG)

    def _load_model(self, config: FramesConfig) -> None:
        return None

    def analyze(
        self, source: MediaSource, config: FramesConfig, progress: ProgressCallback
    ) -> Iterator[FrameSelection]:
        from pipeline.frame_selection.service import SelectionError, ensure_selection
        from pipeline.media.frame_index_store import video_output_folder

        refuse_without_video(source)
        folder = video_output_folder(self.settings.home, source.video_id)
        try:
            outcome = ensure_selection(source.path, [], config, folder, progress=progress)
        except SelectionError as exc:
            raise AnalysisInputError("selection_failed", str(exc)) from None
        for record in outcome.selection.selections:
            yield _payload(record)
        progress(1.0)


def _payload(record: SelectionRecord) -> FrameSelection:
    from pipeline.frame_selection.files import timecode_ms

    return FrameSelection(
        frame_index=record.frame_index,
        timestamp_ms=timecode_ms(record.ts_tc),
        kind=record.type,
        score=record.score,
        source=record.source,
        clip_role=record.clip_role,
        notes=record.notes,
    )
