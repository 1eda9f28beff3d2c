"""Skip unchanged frames: a sampled frame that looks like the last analysed one (mean
absolute difference of a downscaled luma below a threshold) is not given to the model;
the analyzer carries that frame's results forward instead. At least one frame every
``max_skip_ms`` is analysed, so slow drifts and small changes are caught up, and so is the
first sampled frame at or after each scene cut when the video has a ``scenes`` run (the
planner hands its cuts over as ``scene_cuts_ms``; docs/ARCHITECTURE.md, "Scene inputs")."""

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    Field,
    NonNegativeInt,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from pipeline.analysis.contract import SceneSpan
from workers.analyzers.base import AnalyzerConfig

if TYPE_CHECKING:
    import numpy as np

    from pipeline.media.frames import SampledFrame

# about 40 samples on the longest side: enough to see a cut, a caption or a moving head
_LUMA_SIDE = 40
_LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601


class SkipUnchangedConfig(AnalyzerConfig):
    """Mixed into the configs of the frame analyzers (ocr, faces, objects)."""

    skip_unchanged: bool = Field(
        default=False, description="carry results forward over frames that did not change"
    )
    skip_threshold: float = Field(
        default=2.0, ge=0.0, le=255.0, description="mean luma difference (0-255) below which"
    )
    max_skip_ms: int = Field(
        default=5000, ge=0, description="a frame is analysed at least this often anyway"
    )
    scene_cuts_ms: list[NonNegativeInt] | None = Field(
        default=None,
        description="scene cut times (from the video's scenes run); the first sampled frame "
        "at or after each is analysed",
    )

    @field_validator("scene_cuts_ms")
    @classmethod
    def _in_order(cls, cuts: list[int] | None) -> list[int] | None:
        return None if cuts is None else sorted(set(cuts))

    @model_serializer(mode="wrap")
    def _without_absent_cuts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """No cuts, no key: a config planned without a scenes run dumps (and so keys the
        cache) exactly as before scene cuts existed."""
        dumped: dict[str, Any] = handler(self)
        if self.scene_cuts_ms is None:
            dumped.pop("scene_cuts_ms", None)
        return dumped


# the profiles that skip unchanged frames by default
SKIP_BY_DEFAULT = {"skip_unchanged": True}


class SkipsUnchangedFrames:
    """Mixed into the analyzers configured by a ``SkipUnchangedConfig``: they use the
    video's scenes (``pipeline.analysis.contract.UsesScenes``) for their cuts."""

    def with_scenes(self, config: BaseModel, scenes: Sequence[SceneSpan]) -> BaseModel:
        assert isinstance(config, SkipUnchangedConfig)
        cuts = [start for start, _ in scenes if start > 0]
        if not config.skip_unchanged or not cuts or config.scene_cuts_ms is not None:
            return config  # nothing is skipped, no cut to force, or the user named the cuts
        return config.model_copy(update={"scene_cuts_ms": sorted(cuts)})


@dataclass
class FrameGroup:
    """A frame the model analyses and the unchanged frames after it that reuse its
    results."""

    analysed: "SampledFrame"
    carried: list["SampledFrame"] = field(default_factory=list)


def small_luma(image: "np.ndarray") -> "np.ndarray":
    """A coarse grey version of an RGB image, by striding (no resampling library)."""
    import numpy as np  # here: planning imports the analyzers' configs, not numpy

    step = max(1, max(image.shape[:2]) // _LUMA_SIDE)
    return image[::step, ::step, :3].astype(np.float32) @ np.array(_LUMA_WEIGHTS, np.float32)


def luma_difference(first: "np.ndarray", second: "np.ndarray") -> float:
    if first.shape != second.shape:
        return float("inf")
    return float(abs(first - second).mean())


def frame_groups(
    frames: Iterable["SampledFrame"], settings: SkipUnchangedConfig
) -> Iterator[FrameGroup]:
    """Every frame in order, each analysed or carried; a group is yielded once the next
    analysed frame (or the end) shows that it is complete."""
    cuts = settings.scene_cuts_ms or []
    group: FrameGroup | None = None
    reference: np.ndarray | None = None
    for frame in frames:
        luma = small_luma(frame.image) if settings.skip_unchanged else None
        if group is not None and luma is not None and reference is not None:
            since_ms = group.analysed.timestamp_ms
            if (
                frame.timestamp_ms - since_ms < settings.max_skip_ms
                and not _cut_between(cuts, since_ms, frame.timestamp_ms)
                and luma_difference(reference, luma) < settings.skip_threshold
            ):
                group.carried.append(frame)
                continue
        if group is not None:
            yield group
        group, reference = FrameGroup(frame), luma
    if group is not None:
        yield group


def _cut_between(cuts: Sequence[int], after_ms: int, until_ms: int) -> bool:
    """Whether a cut lies in (after_ms, until_ms]; ``cuts`` are in order."""
    return bisect_right(cuts, after_ms) < bisect_right(cuts, until_ms)
