"""The one sampled-frame loop every frame analyzer runs (faces, ocr, objects, places):
open the sampler, refuse a truncated file, decode only the planned frames, report
progress, and end with ``no_frames`` when nothing decoded.
Frames are as displayed and their ``to_source`` clamps to the frame (docs/ARCHITECTURE.md,
"Frames")."""

import logging
import math
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
    source: MediaSource, plan: SamplingPlan, progress: ProgressCallback
) -> Iterator["SampledFrame"]:
    from pipeline.media.frames import FrameSampler  # PyAV only when frames are wanted

    refuse_without_video(source)
    with FrameSampler(source.path, max_side=plan.max_side) as sampler:
        refuse_truncated(sampler.frames_end_ms, sampler.duration_ms)
        if plan.interval_ms is not None:
            frames = sampler.sample_every(plan.interval_ms)
            expected = math.ceil(max(sampler.duration_ms, 1) / plan.interval_ms)
        else:
            assert plan.timestamps_ms is not None
            frames = sampler.sample_at(plan.timestamps_ms)
            expected = len(plan.timestamps_ms)
        done = 0
        for done, frame in enumerate(frames, start=1):
            yield frame
            progress(min(done / max(expected, 1), 1.0) * LOOP_PROGRESS_SHARE)
        _log_skipped(source.path, sampler.skipped_frames)
        if not done:
            raise AnalysisInputError("no_frames", "no video frame could be decoded")


def _log_skipped(path: str, skipped: list[int]) -> None:
    if skipped:
        log.warning(
            "%s: could not decode %d sampled frame(s); skipped frames %s",
            path,
            len(skipped),
            ", ".join(map(str, skipped[:SKIPPED_FRAMES_LOGGED])),
        )
