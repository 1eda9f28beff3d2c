"""Planning a long video's windows, and sampling inside one: windows tile the video, start
on keyframes, and the frames sampled window by window are exactly the whole video's."""

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analysis.segments import Window, plan_windows
from pipeline.media.frames import FrameSampler
from support.synthetic import alternating_shots, write_video


@given(
    duration_ms=st.integers(0, 4 * 3600 * 1000),
    segment_ms=st.integers(1000, 900_000),
    keyframes=st.lists(st.integers(0, 4 * 3600 * 1000), max_size=60),
    cuts=st.lists(st.integers(0, 4 * 3600 * 1000), max_size=20),
)
def test_windows_tile_the_video_and_start_on_cuts_or_keyframes(
    duration_ms: int, segment_ms: int, keyframes: list[int], cuts: list[int]
) -> None:
    windows = plan_windows(duration_ms, segment_ms, keyframes, cuts)
    assert windows[0].start_ms == 0
    assert windows[-1].end_ms == duration_ms
    assert [w.index for w in windows] == list(range(len(windows)))
    assert {w.count for w in windows} == {len(windows)}
    for before, after in itertools.pairwise(windows):
        assert before.end_ms == after.start_ms  # no gap, no overlap
        boundary = after.start_ms
        later_keys = [key for key in keyframes if key >= boundary]
        # a boundary is a scene cut, a keyframe, or a nominal time past the last keyframe
        assert boundary in cuts or boundary in keyframes or not later_keys
        assert after.end_ms - after.start_ms >= segment_ms // 2
        assert before.end_ms - before.start_ms >= segment_ms // 2


def test_a_scene_cut_near_a_nominal_boundary_is_preferred_to_a_keyframe() -> None:
    windows = plan_windows(30_000, 10_000, keyframes_ms=range(0, 30_000, 2000), cuts_ms=[13_500])
    assert [w.start_ms for w in windows] == [0, 13_500, 24_000]  # then a keyframe again
    far = plan_windows(30_000, 10_000, keyframes_ms=range(0, 30_000, 2000), cuts_ms=[16_000])
    assert [w.start_ms for w in far] == [0, 10_000, 20_000]  # a cut 6 s late is too far


@pytest.mark.parametrize(
    ("duration_ms", "segment_ms", "count"),
    [(0, 1000, 1), (1400, 1000, 1), (1600, 1000, 2), (10_000, 3000, 3), (7_200_000, 300_000, 24)],
)
def test_window_counts(duration_ms: int, segment_ms: int, count: int) -> None:
    assert len(plan_windows(duration_ms, segment_ms)) == count


def test_a_window_holds_its_start_not_its_end_and_the_last_keeps_the_tail() -> None:
    first, last = Window(0, 2, 0, 1000), Window(1, 2, 1000, 2000)
    assert first.holds(0) and first.holds(999) and not first.holds(1000)
    assert last.holds(1000) and last.holds(5000) and not last.holds(999)
    assert Window.whole(0).is_first and Window.whole(0).is_last


@pytest.fixture(scope="module")
def shots_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("windows") / "shots.mp4"
    return write_video(path, alternating_shots([37, 60, 23, 90, 41, 75]), size=(96, 64))


@settings(max_examples=15, deadline=None)
@given(
    boundaries=st.lists(st.integers(1, 13_000), min_size=1, max_size=4, unique=True),
    interval_ms=st.sampled_from([40, 250, 1000, 1300]),
)
def test_frames_sampled_window_by_window_are_the_whole_videos(
    shots_video: Path, boundaries: list[int], interval_ms: int
) -> None:
    with FrameSampler(str(shots_video), max_side=32) as sampler:
        whole = [frame.timestamp_ms for frame in sampler.sample_every(interval_ms)]
        edges = [0, *sorted(boundaries), None]
        pieces: list[int] = []
        for start, end in itertools.pairwise(edges):
            window = (start, end)
            sampled = [frame.timestamp_ms for frame in sampler.sample_every(interval_ms, window)]
            assert len(sampled) == sampler.count_every(interval_ms, window)
            pieces.extend(sampled)
    assert pieces == whole


def test_keyframes_are_where_decoding_can_start(shots_video: Path) -> None:
    with FrameSampler(str(shots_video)) as sampler:
        keys = sampler.keyframe_times_ms()
        assert keys[0] == 0
        assert keys == sorted(set(keys))
        assert all(0 <= key <= sampler.duration_ms for key in keys)
