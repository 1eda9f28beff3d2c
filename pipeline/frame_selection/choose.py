"""Which frames to compare: the window, then User, Dark, Bright, Motion and Random frames
in that order, each kind spaced from every frame already chosen. Pure: the metrics come
in, the choices go out, so the rules can be tested on made-up numbers."""

import logging
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.frame_selection.config import SelectionConfig
from schemas.payloads.frames import FrameKind

log = logging.getLogger(__name__)

RANDOM_ATTEMPTS_PER_FRAME = 50
MOTION_SPACING_SHARE = 0.25  # Motion frames are spaced a quarter of the separation

Scorer = Callable[[int], float]  # sample position -> score in [0, 1]


@dataclass(frozen=True)
class Window:
    """The frames selection may choose from: [first, last], both included."""

    first: int
    last: int


@dataclass(frozen=True)
class SampleMetrics:
    """Per sampled frame (in frame order): mean luma in [0, 1], raw and smoothed motion."""

    frames: Sequence[int]
    luma: Sequence[float]
    motion: Sequence[float]
    smoothed_motion: Sequence[float]


@dataclass(frozen=True)
class Choice:
    frame_index: int
    kind: FrameKind
    score: float
    luma: float | None = None
    motion: float | None = None


def selection_window(times_s: Sequence[float], config: SelectionConfig) -> Window:
    """The frames between ``ignore_lead_seconds`` after the start and
    ``ignore_trail_seconds`` before the end; widened back inside the clip (with a warning)
    when that leaves less than ``min_window_seconds``."""
    if not times_s:
        raise ValueError("the clip has no frames")
    start, end = times_s[0], times_s[-1]
    low, high = start + config.ignore_lead_seconds, end - config.ignore_trail_seconds
    if high - low < config.min_window_seconds:
        middle = (low + high) / 2 if high >= low else (start + end) / 2
        half = config.min_window_seconds / 2
        low, high = max(start, middle - half), min(end, middle + half)
        if high - low < config.min_window_seconds:  # shift back inside the clip
            low = max(start, min(low, end - config.min_window_seconds))
            high = min(end, max(high, start + config.min_window_seconds))
        log.warning(
            "selection window shorter than %.3f s after ignoring %.3f s / %.3f s; "
            "widened to %.3f-%.3f s",
            config.min_window_seconds, config.ignore_lead_seconds,
            config.ignore_trail_seconds, low, high,
        )  # fmt: skip
    first = min(bisect_left(times_s, low - 1e-9), len(times_s) - 1)
    last = max(bisect_right(times_s, high + 1e-9) - 1, first)
    return Window(first, last)


def choose_frames(
    metrics: SampleMetrics,
    times_s: Sequence[float],
    window: Window,
    config: SelectionConfig,
) -> list[Choice]:
    """The chosen frames, sorted by frame index (``times_s`` gives every frame's time)."""
    rng = random.Random(config.rng_seed)
    chosen: dict[int, Choice] = {}
    for frame in config.user_frames:
        if frame < len(times_s):
            chosen.setdefault(frame, Choice(frame, FrameKind.USER, 1.0))
        else:
            log.warning(
                "user frame %d is past the last frame (%d); skipped", frame, len(times_s) - 1
            )
    separation = config.screen_separation_seconds
    samples = [i for i, frame in enumerate(metrics.frames) if window.first <= frame <= window.last]

    def spaced(frame: int, gap: float) -> bool:
        return all(abs(times_s[frame] - times_s[other]) >= gap for other in chosen)

    def take(candidates: list[int], kind: FrameKind, count: int, gap: float, score: Scorer) -> None:
        taken = 0
        for i in candidates:
            if taken >= count:
                return
            frame = metrics.frames[i]
            if frame not in chosen and spaced(frame, gap):
                chosen[frame] = Choice(
                    frame, kind, score(i), metrics.luma[i], metrics.smoothed_motion[i]
                )
                taken += 1

    if samples:
        luma = np.asarray([metrics.luma[i] for i in samples])
        dark_limit = float(np.quantile(luma, config.dark_quantile))
        bright_limit = float(np.quantile(luma, config.bright_quantile))
        dark = [i for i in samples if metrics.luma[i] <= dark_limit]
        rng.shuffle(dark)
        take(dark, FrameKind.DARK, config.dark_count, separation, lambda i: 1 - metrics.luma[i])
        bright = [i for i in samples if metrics.luma[i] >= bright_limit]
        rng.shuffle(bright)
        take(bright, FrameKind.BRIGHT, config.bright_count, separation, lambda i: metrics.luma[i])
        take(
            _motion_candidates(metrics, samples, config),
            FrameKind.MOTION,
            config.motion_count,
            separation * MOTION_SPACING_SHARE,
            _motion_score(metrics, samples),
        )
    attempts, taken = config.random_count * RANDOM_ATTEMPTS_PER_FRAME, 0
    while taken < config.random_count and attempts > 0:
        attempts -= 1
        frame = rng.randint(window.first, window.last)
        if frame not in chosen and spaced(frame, separation):
            chosen[frame] = Choice(frame, FrameKind.RANDOM, 0.0)
            taken += 1
    return [chosen[frame] for frame in sorted(chosen)]


def _motion_candidates(
    metrics: SampleMetrics, samples: list[int], config: SelectionConfig
) -> list[int]:
    """Samples by smoothed motion, highest first (ties by frame), without likely cuts."""
    candidates = samples
    if config.scenecut_quantile > 0:
        raw = np.asarray([metrics.motion[i] for i in samples])
        cut_limit = float(np.quantile(raw, config.scenecut_quantile))
        candidates = [i for i in samples if metrics.motion[i] <= cut_limit]
    candidates = [i for i in candidates if metrics.smoothed_motion[i] > 0]
    return sorted(candidates, key=lambda i: (-metrics.smoothed_motion[i], metrics.frames[i]))


def _motion_score(metrics: SampleMetrics, samples: list[int]) -> Scorer:
    """Smoothed motion relative to the strongest in the window, in [0, 1]."""
    strongest = max((metrics.smoothed_motion[i] for i in samples), default=0.0)
    return lambda i: min(metrics.smoothed_motion[i] / strongest, 1.0) if strongest > 0 else 0.0
