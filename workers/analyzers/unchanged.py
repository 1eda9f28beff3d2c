"""Skip unchanged frames: a sampled frame that looks like the last analysed one (mean
absolute difference of a downscaled luma below a threshold) is not given to the model;
the analyzer carries that frame's results forward instead. The first sampled frame at or
after each **anchor** is analysed anyway: every multiple of ``max_skip_ms`` (so slow drifts
and small changes are caught up at least that often) and each scene cut when the video
has a ``scenes`` run (the planner hands its cuts over as ``scene_cuts_ms``;
docs/ARCHITECTURE.md, "Scene inputs").

Anchors at fixed times make the decisions reproducible from any anchor on: a window of a
segmented run replays them from the last anchor before its start (``lead_in``), running
the model on at most the one analysed frame whose results reach into the window, and so
skips exactly what the whole video's run skips."""

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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
from pipeline.analysis.segments import Window
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
    results. ``lead_in``: the analysed frame lies before the window being observed, which
    only gets the results of the carried frames."""

    analysed: "SampledFrame"
    carried: list["SampledFrame"] = field(default_factory=list)
    lead_in: bool = False

    @property
    def frames(self) -> list["SampledFrame"]:
        """The frames this group gives the analysed frame's results to."""
        return self.carried if self.lead_in else [self.analysed, *self.carried]


def lead_in(window: Window, settings: SkipUnchangedConfig) -> Window:
    """``window`` from the last anchor at or before its start: where sampling must begin
    for its skipping decisions to be the whole video's (unchanged when nothing is
    skipped)."""
    if not settings.skip_unchanged or not settings.max_skip_ms or window.start_ms == 0:
        return window
    anchor = window.start_ms // settings.max_skip_ms * settings.max_skip_ms
    cuts = settings.scene_cuts_ms or []
    at = bisect_right(cuts, window.start_ms)
    if at:
        anchor = max(anchor, cuts[at - 1])
    return replace(window, start_ms=anchor)


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
    frames: Iterable["SampledFrame"], settings: SkipUnchangedConfig, from_ms: int = 0
) -> Iterator[FrameGroup]:
    """Every frame in order, each analysed or carried; a group is yielded once the next
    analysed frame (or the end) shows that it is complete. Frames before ``from_ms`` (a
    window's lead-in) only steer the decisions: a group whose frames all lie before it is
    dropped, one that reaches into it is ``lead_in``."""
    group: FrameGroup | None = None
    reference: np.ndarray | None = None
    for frame in frames:
        luma = small_luma(frame.image) if settings.skip_unchanged else None
        if group is not None and luma is not None and reference is not None:
            since_ms = group.analysed.timestamp_ms
            if (
                not _anchor_between(settings, since_ms, frame.timestamp_ms)
                and luma_difference(reference, luma) < settings.skip_threshold
            ):
                group.carried.append(frame)
                continue
        if group is not None:
            yield from _from(group, from_ms)
        group, reference = FrameGroup(frame), luma
    if group is not None:
        yield from _from(group, from_ms)


def _from(group: FrameGroup, from_ms: int) -> Iterator[FrameGroup]:
    if group.analysed.timestamp_ms >= from_ms:
        yield group
        return
    carried = [frame for frame in group.carried if frame.timestamp_ms >= from_ms]
    if carried:
        yield FrameGroup(group.analysed, carried, lead_in=True)


def _anchor_between(settings: SkipUnchangedConfig, after_ms: int, until_ms: int) -> bool:
    """Whether a multiple of ``max_skip_ms`` (0: every frame) or a cut lies in
    (after_ms, until_ms]."""
    every = settings.max_skip_ms
    if not every or after_ms // every < until_ms // every:
        return True
    return _cut_between(settings.scene_cuts_ms or [], after_ms, until_ms)


def _cut_between(cuts: Sequence[int], after_ms: int, until_ms: int) -> bool:
    """Whether a cut lies in (after_ms, until_ms]; ``cuts`` are in order."""
    return bisect_right(cuts, after_ms) < bisect_right(cuts, until_ms)
