"""Scene cuts with PySceneDetect (ContentDetector by default, AdaptiveDetector selectable).

Scenes tile the whole video: the first starts at 0, the last ends where the video ends,
and ``scene_index`` runs 0..n-1 without gaps. PySceneDetect numbers frames at the nominal
frame rate, which on variable-frame-rate video is not the frame's position; so each cut's
PTS time is mapped onto the project's frame numbering (position in presentation order)
through the frame sampler's packet index, and times come from that frame's PTS.
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
    refuse_without_video,
)
from pipeline.analysis.declarations import Lane, Produces
from schemas.payloads import Scene
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer, distribution_version

ANALYZER_VERSION = "2"
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
    # PyAV times frames by their PTS; OpenCV by a nominal rate (wrong on VFR video)
    backend: Literal["pyav", "opencv"] = "pyav"


class ScenesAnalyzer(BaseAnalyzer[ScenesConfig, None]):
    name = "scenes"
    produces = Produces(
        Scene,
        jump="scene",
        lane=Lane("Scenes", order=10, item="Scene {scene_index|ordinal}", inline_text=True),
    )
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
        from pipeline.media.frames import FrameSampler

        refuse_without_video(source)
        with FrameSampler(source.path) as frames:
            refuse_truncated(frames.frames_end_ms, frames.duration_ms)
            cut_seconds = _detect_cuts(source.path, config, progress)
            if not frames.frame_count:
                raise AnalysisInputError("no_frames", "no video frame could be decoded")
            starts = sorted({0, *(frames.nearest_frame(seconds) for seconds in cut_seconds)})
            ends = [*starts[1:], frames.frame_count]
            times = [frames.time_ms(start) for start in starts] + [frames.duration_ms]
        for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
            yield Scene(
                scene_index=index,
                start_frame=start,
                end_frame=end,
                start_ms=times[index],
                end_ms=times[index + 1],
            )


def _detect_cuts(path: str, config: ScenesConfig, progress: ProgressCallback) -> list[float]:
    """The times (seconds from the stream start) at which PySceneDetect finds a cut."""
    # FFmpeg inside OpenCV prints every decode error of a damaged file to stderr;
    # damage is reported once, as this run's error, instead.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    import scenedetect

    # PyAV's backend would otherwise restore FFmpeg's logging for the whole process
    options = {"suppress_output": True} if config.backend == "pyav" else {}
    try:
        video = scenedetect.open_video(path, backend=config.backend, **options)
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
    return [start.seconds for start, _ in manager.get_scene_list(start_in_scene=True)[1:]]


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
