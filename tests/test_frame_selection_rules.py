"""The choice rules of frame selection on made-up metrics: the window, the order of the
kinds, their spacing, and determinism."""

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.frame_selection.choose import (
    MOTION_SPACING_SHARE,
    SampleMetrics,
    Window,
    choose_frames,
    selection_window,
)
from pipeline.frame_selection.config import SelectionConfig
from pipeline.frame_selection.metrics import smoothed
from schemas.payloads.frames import FrameKind

FPS = 25


def times(count: int) -> list[float]:
    return [index / FPS for index in range(count)]


def metrics_of(frames: list[int], luma: list[float], motion: list[float]) -> SampleMetrics:
    return SampleMetrics(frames, luma, motion, smoothed(motion, 1))


@st.composite
def cases(draw: st.DrawFn) -> tuple[SampleMetrics, list[float], SelectionConfig]:
    count = draw(st.integers(min_value=2, max_value=600))
    step = draw(st.integers(min_value=1, max_value=5))
    frames = list(range(0, count, step))
    unit = st.floats(min_value=0, max_value=1, allow_nan=False)
    luma = draw(st.lists(unit, min_size=len(frames), max_size=len(frames)))
    motion = draw(st.lists(unit, min_size=len(frames), max_size=len(frames)))
    config = SelectionConfig(
        step=step,
        ignore_lead_seconds=draw(st.floats(min_value=0, max_value=10)),
        ignore_trail_seconds=draw(st.floats(min_value=0, max_value=10)),
        min_window_seconds=draw(st.floats(min_value=0, max_value=5)),
        screen_separation_seconds=draw(st.floats(min_value=0, max_value=3)),
        scenecut_quantile=draw(st.sampled_from([0.0, 0.9])),
        rng_seed=draw(st.integers(min_value=0, max_value=2**32)),
        dark_count=draw(st.integers(0, 8)),
        bright_count=draw(st.integers(0, 8)),
        motion_count=draw(st.integers(0, 8)),
        random_count=draw(st.integers(0, 8)),
    )
    return metrics_of(frames, luma, motion), times(count), config


@settings(max_examples=200, deadline=None)
@given(cases())
def test_chosen_frames_lie_in_the_window_and_respect_the_separation(
    case: tuple[SampleMetrics, list[float], SelectionConfig],
) -> None:
    metrics, frame_times, config = case
    window = selection_window(frame_times, config)
    chosen = choose_frames(metrics, frame_times, window, config)
    indices = [choice.frame_index for choice in chosen]
    assert indices == sorted(set(indices))
    separation = config.screen_separation_seconds
    for position, choice in enumerate(chosen):
        assert window.first <= choice.frame_index <= window.last
        assert 0.0 <= choice.score <= 1.0
        gap = separation * (MOTION_SPACING_SHARE if choice.kind is FrameKind.MOTION else 1)
        others = [c for i, c in enumerate(chosen) if i != position]
        # each frame is spaced from every frame chosen before it; the kinds are chosen in
        # order Dark, Bright, Motion, Random, so check it against the earlier kinds' frames
        earlier = _earlier_kinds(choice.kind)
        for other in others:
            if other.kind in earlier:
                assert (
                    abs(frame_times[choice.frame_index] - frame_times[other.frame_index])
                    >= gap - 1e-9
                )
    counts = {kind: sum(c.kind is kind for c in chosen) for kind in FrameKind}
    assert counts[FrameKind.DARK] <= config.dark_count
    assert counts[FrameKind.BRIGHT] <= config.bright_count
    assert counts[FrameKind.MOTION] <= config.motion_count
    assert counts[FrameKind.RANDOM] <= config.random_count


def _earlier_kinds(kind: FrameKind) -> set[FrameKind]:
    order = [FrameKind.DARK, FrameKind.BRIGHT, FrameKind.MOTION, FrameKind.RANDOM]
    return set(order[: order.index(kind) + 1]) if kind in order else set()


@settings(max_examples=50, deadline=None)
@given(cases())
def test_the_same_seed_gives_the_same_frames(
    case: tuple[SampleMetrics, list[float], SelectionConfig],
) -> None:
    metrics, frame_times, config = case
    window = selection_window(frame_times, config)
    assert choose_frames(metrics, frame_times, window, config) == choose_frames(
        metrics, frame_times, window, config
    )


def test_dark_and_bright_come_from_their_quantiles_and_motion_from_the_strongest() -> None:
    frames = list(range(0, 1000, 2))
    luma = [(i % 100) / 100 for i in range(len(frames))]
    motion = [0.0] * len(frames)
    motion[250] = 0.9  # frame 500
    config = SelectionConfig(
        dark_count=3, bright_count=3, motion_count=1, random_count=0,
        screen_separation_seconds=1.0, diff_radius=0,
    )  # fmt: skip
    metrics = SampleMetrics(frames, luma, motion, motion)
    chosen = choose_frames(metrics, times(1000), Window(0, 999), config)
    by_kind = {kind: [c for c in chosen if c.kind is kind] for kind in FrameKind}
    assert len(by_kind[FrameKind.DARK]) == 3 and len(by_kind[FrameKind.BRIGHT]) == 3
    assert all(c.luma is not None and c.luma <= 0.20 for c in by_kind[FrameKind.DARK])
    assert all(c.luma is not None and c.luma >= 0.79 for c in by_kind[FrameKind.BRIGHT])
    assert [c.frame_index for c in by_kind[FrameKind.MOTION]] == [500]
    assert by_kind[FrameKind.MOTION][0].score == 1.0


def test_likely_cuts_are_not_motion_candidates() -> None:
    frames = list(range(100))
    motion = [0.1] * 100
    motion[40] = 5.0  # a cut
    config = SelectionConfig(
        dark_count=0, bright_count=0, motion_count=1, random_count=0,
        scenecut_quantile=0.95, diff_radius=0, screen_separation_seconds=0,
    )  # fmt: skip
    chosen = choose_frames(
        SampleMetrics(frames, [0.5] * 100, motion, motion), times(100), Window(0, 99), config
    )
    assert [c.frame_index for c in chosen] != [40]


def test_user_frames_come_first_without_spacing_and_past_the_end_are_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = SelectionConfig(
        user_frames=[10, 11, 5000], dark_count=0, bright_count=0, motion_count=0, random_count=2
    )
    with caplog.at_level(logging.WARNING):
        chosen = choose_frames(SampleMetrics([], [], [], []), times(100), Window(0, 99), config)
    users = [c.frame_index for c in chosen if c.kind is FrameKind.USER]
    assert users == [10, 11]
    assert "user frame 5000" in caplog.text
    randoms = [c.frame_index for c in chosen if c.kind is FrameKind.RANDOM]
    assert all(abs(r - u) / FPS >= config.screen_separation_seconds for r in randoms for u in users)


def test_a_window_too_short_is_widened_inside_the_clip(caplog: pytest.LogCaptureFixture) -> None:
    config = SelectionConfig(ignore_lead_seconds=3, ignore_trail_seconds=3, min_window_seconds=2)
    with caplog.at_level(logging.WARNING):
        window = selection_window(times(125), config)  # 5 s: nothing left after 3 + 3 s
    assert "widened" in caplog.text
    assert 0 <= window.first < window.last <= 124
    assert (window.last - window.first) / FPS >= 2 - 1 / FPS
    wide = selection_window(
        times(125), SelectionConfig(ignore_lead_seconds=1, ignore_trail_seconds=1)
    )
    assert (wide.first, wide.last) == (25, 99)
