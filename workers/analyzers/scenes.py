"""Scene cuts with PySceneDetect (ContentDetector by default, AdaptiveDetector selectable).

Scenes tile the whole video: the first starts at 0, the last ends where the video ends,
and ``scene_index`` runs 0..n-1 without gaps.
"""

import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field

from pipeline.analysis.contract import (
    AnalysisInputError,
    MediaSource,
    ModelIdentity,
    ProgressCallback,
    refuse_truncated,
)
from schemas.payloads import Scene
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer, distribution_version

ANALYZER_VERSION = "1"
PROGRESS_CHUNK_SECONDS = 10


class ScenesConfig(AnalyzerConfig):
    detector: Literal["content", "adaptive"] = "content"
    threshold: float | None = Field(
        default=None, gt=0, description="detector threshold; None = the detector's default"
    )
    min_scene_len: int = Field(default=15, ge=1, description="shortest scene, in frames")
    downscale: int | None = Field(
        default=None, ge=1, description="frame downscale factor; None = automatic"
    )
    backend: Literal["opencv", "pyav"] = "opencv"


class ScenesAnalyzer(BaseAnalyzer[ScenesConfig, None]):
    name = "scenes"
    artifact_type = Scene.ARTIFACT_TYPE
    config_type = ScenesConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": {},
        "balanced": {"downscale": 2},
        "high_quality": {"detector": "adaptive", "downscale": 1},
    }

    @property
    def engine_version(self) -> str:
        return f"{ANALYZER_VERSION}+scenedetect{distribution_version('scenedetect-headless')}"

    def model_identity(self, config: ScenesConfig) -> ModelIdentity:
        return ModelIdentity(name=f"pyscenedetect-{config.detector}")

    def _load_model(self, config: ScenesConfig) -> None:
        return None  # a detector is configuration, not weights

    def analyze(
        self, source: MediaSource, config: ScenesConfig, progress: ProgressCallback
    ) -> Iterator[Scene]:
        # FFmpeg inside OpenCV prints every decode error of a damaged file to stderr;
        # damage is reported once, as this run's error, instead.
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        import scenedetect

        try:
            video = scenedetect.open_video(source.path, backend=config.backend)
        except Exception as exc:  # scenedetect wraps decoder errors in several types
            raise AnalysisInputError("unreadable_media", f"cannot open video: {exc}") from exc
        manager = scenedetect.SceneManager()
        manager.add_detector(_detector(config))
        if config.downscale is not None:
            manager.auto_downscale = False
            manager.downscale = config.downscale
        total_frames = max(video.duration.frame_num if video.duration else 0, 1)
        chunk = max(round(video.frame_rate * PROGRESS_CHUNK_SECONDS), 1)
        while True:
            position = video.frame_number
            manager.detect_scenes(video, duration=chunk)
            progress(min(video.frame_number / total_frames, 1.0))
            if video.frame_number <= position:
                break
        scene_list = manager.get_scene_list(start_in_scene=True)
        if not scene_list:
            raise AnalysisInputError("no_frames", "no video frame could be decoded")
        refuse_truncated(round(scene_list[-1][1].seconds * 1000), source.duration_ms)
        for index, (start, end) in enumerate(scene_list):
            yield Scene(
                scene_index=index,
                start_frame=start.frame_num,
                end_frame=end.frame_num,
                start_ms=round(start.seconds * 1000),
                end_ms=round(end.seconds * 1000),
            )


def _detector(config: ScenesConfig) -> Any:
    import scenedetect

    options: dict[str, Any] = {"min_scene_len": config.min_scene_len}
    if config.detector == "adaptive":
        if config.threshold is not None:
            options["adaptive_threshold"] = config.threshold
        return scenedetect.AdaptiveDetector(**options)
    if config.threshold is not None:
        options["threshold"] = config.threshold
    return scenedetect.ContentDetector(**options)
