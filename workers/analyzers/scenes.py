"""Scene cuts with PySceneDetect (ContentDetector by default, AdaptiveDetector selectable).

Scenes tile the whole video: the first starts at 0, the last ends where the video ends,
and ``scene_index`` runs 0..n-1 without gaps. PySceneDetect numbers frames at the nominal
frame rate, which on variable-frame-rate video is not the frame's position; so each cut's
PTS time is mapped onto the project's frame numbering (position in presentation order)
through the frame sampler's packet index, and times come from that frame's PTS.

A segmented run (docs/ARCHITECTURE.md, "Segments") finds the same cuts as a whole run:
windows are observed with the detector's ``min_scene_len`` filter switched off, and the
filter runs once over all windows' candidates (workers/analyzers/scene_candidates.py).
"""

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Literal

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
from pipeline.analysis.segments import Observation, Window
from schemas.payloads import Scene
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer, distribution_version
from workers.analyzers.windowed import Windowed

if TYPE_CHECKING:
    from pipeline.media.frames import FrameSampler
    from workers.analyzers.scene_candidates import Time, WindowCandidates

log = logging.getLogger(__name__)

ANALYZER_VERSION = "2"
PROGRESS_CHUNK_SECONDS = 10
# a backend's seek lands on or about the time asked for: a window asks a little earlier,
# and farther back each time a seek lands too late
SEEK_SLACK_FRAMES = 2
SEEK_BACKOFF = 4


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


class ScenesAnalyzer(Windowed[ScenesConfig], BaseAnalyzer[ScenesConfig, None]):
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

    def observe(
        self, source: MediaSource, config: ScenesConfig, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]:
        """The first window first yields ``{"first": time, "rate": [num, den]}``: the first
        frame, where the filter starts counting, and the nominal frame rate its lengths are
        counted in. Then each window yields ``{"cut": time, "settle": time or None}`` per
        frame inside it that passes the detector's threshold test. A time is [pts, time
        base numerator, denominator] as the backend reports it."""
        from pipeline.media.frames import FrameSampler
        from workers.analyzers.scene_candidates import as_time

        refuse_without_video(source)
        with FrameSampler(source.path) as frames:
            refuse_truncated(frames.frames_end_ms, frames.duration_ms)
            context = _context(config)
            seeks = _seek_positions(frames, window, context)
        for seek_s in seeks:
            needed = 0 if seek_s is None else context
            found = _window_candidates(source.path, config, window, seek_s, needed, progress)
            if not found.landed_late:
                break
            log.debug(
                "%s: a seek to %.3f s landed too late; seeking further back", source.path, seek_s
            )
        if window.is_first and found.first is not None:
            rate = found.first.frame_rate
            yield {"first": as_time(found.first), "rate": [rate.numerator, rate.denominator]}
        for candidate in found.candidates:
            settle = None if candidate.settle is None else as_time(candidate.settle)
            yield {"cut": as_time(candidate.cut), "settle": settle}

    def assemble(
        self, source: MediaSource, config: ScenesConfig, observations: Iterable[Observation]
    ) -> Iterator[Scene]:
        """The detector's ``min_scene_len`` filter over every window's candidates in time
        order; the cuts it lets through start the scenes."""
        from pipeline.media.frames import FrameSampler

        cut_seconds = _filtered_cuts(config, observations)
        with FrameSampler(source.path) as frames:
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


def _context(config: ScenesConfig) -> int:
    """Frames the detector must see before a frame to test it: the one before, whose
    difference is the frame's score, and those its rolling window looks back on."""
    return _detector(config, min_scene_len=0).event_buffer_length + 1


def _seek_positions(frames: "FrameSampler", window: Window, context: int) -> list[float | None]:
    """Where to start decoding ``window`` (seconds; None: from the start) so that the
    detector sees ``context`` frames before it: a few frames before it, then (should the
    backend's seek land too late, as OpenCV's does on variable-frame-rate video, seeking by
    the nominal rate) farther and farther back."""
    first = frames.nearest_frame(window.start_ms / 1000)
    lead = context + SEEK_SLACK_FRAMES
    positions: list[float | None] = []
    while first - lead > 0:
        positions.append(frames.time_ms(first - lead) / 1000)
        lead *= SEEK_BACKOFF
    return [*positions, None]


def _window_candidates(
    path: str,
    config: ScenesConfig,
    window: Window,
    seek_s: float | None,
    context: int,
    progress: ProgressCallback,
) -> "WindowCandidates":
    """Runs the detector without its filter from ``seek_s`` (None: the start) until
    ``window`` is done, or until it is clear that fewer than ``context`` frames before the
    window were decoded."""
    import scenedetect

    from workers.analyzers.scene_candidates import WindowCandidates

    video = _open_video(path, config)
    if seek_s is not None:
        video.seek(seek_s)
    manager = scenedetect.SceneManager()
    settle_after = config.min_scene_len if _merges(config) else None
    detector = _detector(config, min_scene_len=0)
    found = WindowCandidates(detector, window, context, settle_after, manager.stop)
    manager.add_detector(found)
    if config.downscale is not None:
        manager.auto_downscale = False
        manager.downscale = config.downscale
    chunk = max(round(video.frame_rate * PROGRESS_CHUNK_SECONDS), 1)
    span_ms = max(window.end_ms - window.start_ms, 1)
    while not found.finished:
        position = video.frame_number
        manager.detect_scenes(video, duration=chunk)
        progress(min(max(found.last_ms - window.start_ms, 0) / span_ms, 1.0))
        if video.frame_number <= position:
            break
    return found


def _open_video(path: str, config: ScenesConfig) -> Any:
    # FFmpeg inside OpenCV prints every decode error of a damaged file to stderr;
    # damage is reported once, as this run's error, instead.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    import scenedetect

    # PyAV's backend would otherwise restore FFmpeg's logging for the whole process
    options = {"suppress_output": True} if config.backend == "pyav" else {}
    try:
        return scenedetect.open_video(path, backend=config.backend, **options)
    except Exception as exc:  # scenedetect wraps decoder errors in several types
        raise AnalysisInputError("unreadable_media", f"cannot open video: {exc}") from exc


def _filtered_cuts(config: ScenesConfig, observations: Iterable[Observation]) -> list[float]:
    """The seconds at which the filter lets a cut through, in order."""
    from workers.analyzers.scene_candidates import filter_cuts

    first: Time | None = None
    rate = Fraction(1)
    candidates: list[tuple[Time, Time | None]] = []
    for observed in observations:
        if "first" in observed:
            first, rate = observed["first"], Fraction(*observed["rate"])
        else:
            candidates.append((observed["cut"], observed["settle"]))
    if first is None:
        return []  # no frame was decoded
    cuts = filter_cuts(_merges(config), config.min_scene_len, rate, first, candidates)
    return sorted({cut.seconds for cut in cuts})


def _merges(config: ScenesConfig) -> bool:
    """Whether the detector's filter merges short scenes (ContentDetector's default MERGE
    mode) rather than suppressing them (AdaptiveDetector)."""
    return config.detector == "content"


def _detector(config: ScenesConfig, *, min_scene_len: int) -> Any:
    import scenedetect

    options: dict[str, Any] = {"min_scene_len": min_scene_len}
    if config.detector == "adaptive":
        if config.threshold is not None:
            options["adaptive_threshold"] = config.threshold
        return scenedetect.AdaptiveDetector(**options)
    if config.threshold is not None:
        options["threshold"] = config.threshold
    return scenedetect.ContentDetector(**options)
