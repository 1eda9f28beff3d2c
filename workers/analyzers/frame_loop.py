"""The one sampled-frame loop every frame analyzer runs (faces, ocr, objects, places):
open the sampler, refuse a truncated file, decode only the planned frames, report
progress, and end with ``no_frames`` when nothing decoded.
Frames are as displayed and their ``to_source`` clamps to the frame (docs/ARCHITECTURE.md,
"Frames")."""

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.analysis.contract import (
    AnalysisInputError,
    MediaSource,
    ProgressCallback,
    refuse_truncated,
    refuse_without_video,
)
from pipeline.analysis.segments import Window

if TYPE_CHECKING:
    from pipeline.media.frames import SampledFrame

log = logging.getLogger(__name__)

# the share of a run's progress the loop may report; the analyzer reports 1.0 when done
LOOP_PROGRESS_SHARE = 0.99
SKIPPED_FRAMES_LOGGED = 20


@dataclass(frozen=True)
class SamplingPlan:
    """Which frames to analyze: one every ``interval_ms``, or the frames shown at
    ``timestamps_ms``; scaled down to ``max_side`` (None = full size)."""

    max_side: int | None
    interval_ms: int | None = None
    timestamps_ms: Sequence[int] | None = None

    def __post_init__(self) -> None:
        if (self.interval_ms is None) == (self.timestamps_ms is None):
            raise ValueError("a sampling plan has either interval_ms or timestamps_ms")


def sampled_frames(
    source: MediaSource,
    plan: SamplingPlan,
    progress: ProgressCallback,
    window: Window | None = None,
) -> Iterator["SampledFrame"]:
    """The plan's frames, or those of them inside ``window`` (a segment of a segmented
    run: exactly the frames the whole video's sampling picks there)."""
    from pipeline.media.frames import FrameSampler  # PyAV only when frames are wanted

    refuse_without_video(source)
    with FrameSampler(source.path, max_side=plan.max_side) as sampler:
        refuse_truncated(sampler.frames_end_ms, sampler.duration_ms)
        bounds = None if window is None else (window.start_ms, _end(window))
        if plan.interval_ms is not None:
            frames = sampler.sample_every(plan.interval_ms, bounds)
            expected = sampler.count_every(plan.interval_ms, bounds)
        else:
            assert plan.timestamps_ms is not None
            wanted = [t for t in plan.timestamps_ms if window is None or window.holds(t)]
            frames = sampler.sample_at(wanted)
            expected = len(wanted)
        done = 0
        for done, frame in enumerate(frames, start=1):
            yield frame
            progress(min(done / max(expected, 1), 1.0) * LOOP_PROGRESS_SHARE)
        _log_skipped(source.path, sampler.skipped_frames)
        if not done and (window is None or window.is_first):
            raise AnalysisInputError("no_frames", "no video frame could be decoded")


def _end(window: Window) -> int | None:
    return None if window.is_last else window.end_ms


def _log_skipped(path: str, skipped: list[int]) -> None:
    if skipped:
        log.warning(
            "%s: could not decode %d sampled frame(s); skipped frames %s",
            path,
            len(skipped),
            ", ".join(map(str, skipped[:SKIPPED_FRAMES_LOGGED])),
        )
