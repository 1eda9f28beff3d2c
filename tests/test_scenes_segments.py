"""A segmented scenes run finds exactly the whole run's scenes (same frames, same
milliseconds) wherever the window boundaries fall: on a cut, a few frames before or after
one, inside a shot, inside a merge that PySceneDetect's ``min_scene_len`` filter holds open."""

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
import scenedetect

from bench.realistic_clip import write_realistic_clip
from pipeline.analysis.segments import Window, plan_windows
from pipeline.demo import SAMPLE_VIDEO
from pipeline.media.frames import FrameSampler
from pipeline.settings import load_settings
from schemas.payloads import Scene
from support.sources import probe_source
from support.synthetic import (
    alternating_shots,
    cut_frames,
    write_stills_video,
    write_vfr_video,
    write_video,
)
from workers.analyzers import scenes as scenes_module
from workers.analyzers.scenes import ScenesAnalyzer, ScenesConfig

FPS = 25
FRAME_MS = 1000 // FPS
SHOT_LENGTHS = (30, 45, 25, 60, 20)  # cuts at frames 30, 75, 100, 160
# a cut at 30, a flash at 33 that opens a merge, a burst at 233, 238, 243 that the merge
# (still open) ends at its last cut; then cuts 10 frames apart, closer than min_scene_len
BURST_LENGTHS = (30, 3, 200, 5, 5, 60, 10, 10, 10, 10, 40)
DETECTORS = {
    "content, pyav": ("fast", {}),
    "content, opencv": ("fast", {"backend": "opencv"}),
    "content, min_scene_len 40": ("fast", {"min_scene_len": 40}),
    "adaptive": ("high_quality", {}),
}


@pytest.fixture(scope="module")
def cut_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenes") / "cuts.mp4"
    return write_video(path, alternating_shots(SHOT_LENGTHS), fps=FPS)


@pytest.fixture(scope="module")
def burst_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenes") / "bursts.mp4"
    return write_video(path, alternating_shots(BURST_LENGTHS), fps=FPS)


def silent(fraction: float) -> None:
    """Progress goes nowhere here."""


def windows_at(boundaries_ms: Sequence[int], duration_ms: int) -> list[Window]:
    edges = [0, *boundaries_ms, duration_ms]
    count = len(edges) - 1
    return [Window(index, count, edges[index], edges[index + 1]) for index in range(count)]


def configured(profile: str, overrides: dict) -> tuple[ScenesAnalyzer, ScenesConfig]:
    analyzer = ScenesAnalyzer(load_settings())
    return analyzer, analyzer.effective_config(profile, overrides)


def whole_and_segmented(
    path: Path, windows: Sequence[Window], profile: str = "fast", **overrides: object
) -> tuple[list[Scene], list[Scene]]:
    """The scenes of an unsegmented run, and those assembled from each window's
    observations after a trip through JSON (as they are stored between the steps)."""
    analyzer, config = configured(profile, overrides)
    source = probe_source(path)
    whole = list(analyzer.analyze(source, config, silent))
    observed = []
    for window in windows:
        observed += json.loads(json.dumps(list(analyzer.observe(source, config, window, silent))))
    return whole, list(analyzer.assemble(source, config, observed))


def spans(scenes: list[Scene]) -> list[tuple[int, int, int, int]]:
    return [(s.start_frame, s.end_frame, s.start_ms, s.end_ms) for s in scenes]


@pytest.mark.parametrize("detector", DETECTORS)
@pytest.mark.parametrize(
    "boundary_frames",
    [
        pytest.param([75], id="on a cut"),
        pytest.param([72], id="3 frames before a cut"),
        pytest.param([78], id="3 frames after a cut"),
        pytest.param([50], id="inside a shot"),
        pytest.param([29, 31, 99, 130, 161], id="1 frame around cuts, five windows"),
    ],
)
def test_a_boundary_anywhere_gives_the_whole_runs_scenes(
    cut_video: Path, detector: str, boundary_frames: list[int]
) -> None:
    profile, overrides = DETECTORS[detector]
    windows = windows_at([frame * FRAME_MS for frame in boundary_frames], 7200)
    whole, segmented = whole_and_segmented(cut_video, windows, profile, **overrides)
    assert spans(segmented) == spans(whole)
    # with 40 frames the filter drops 30 (too soon after the start) and merges 100 and
    # 160, a merge still open when the video ends 20 frames later
    shot_starts = [0, *cut_frames(alternating_shots(SHOT_LENGTHS))]
    expected = [0, 75] if overrides.get("min_scene_len") == 40 else shot_starts
    assert [scene.start_frame for scene in whole] == expected


@pytest.mark.parametrize("detector", DETECTORS)
@pytest.mark.parametrize(
    "boundary_frames",
    [
        pytest.param([150], id="inside the open merge"),
        pytest.param([236], id="inside the burst"),
        pytest.param([240, 243, 244], id="around the burst's last cut"),
        pytest.param([318, 325, 342], id="among cuts closer than min_scene_len"),
        pytest.param(list(range(20, 380, 20)), id="every 20 frames"),
    ],
)
def test_the_min_scene_len_filter_remembers_across_boundaries(
    burst_video: Path, detector: str, boundary_frames: list[int]
) -> None:
    profile, overrides = DETECTORS[detector]
    windows = windows_at([frame * FRAME_MS for frame in boundary_frames], 15200)
    whole, segmented = whole_and_segmented(burst_video, windows, profile, **overrides)
    assert spans(segmented) == spans(whole)


def test_a_detector_started_inside_an_open_merge_would_cut_elsewhere(burst_video: Path) -> None:
    """Why windows are not simply run with a pre-roll: the merge the flash at frame 33
    opens lasts 200 frames, and ends at the burst's last cut (243), not its first (233)."""
    _, config = configured("fast", {})
    whole = scenes_at(burst_video, config)
    assert whole[:3] == [0, 30, 243]
    started_inside = scenedetect.detect(
        str(burst_video), scenedetect.ContentDetector(), start_time=6.0, backend="pyav"
    )
    assert [start.frame_num for start, _ in started_inside][1:2] == [233]


def scenes_at(path: Path, config: ScenesConfig) -> list[int]:
    analyzer = ScenesAnalyzer(load_settings())
    source = probe_source(path)
    return [s.start_frame for s in analyzer.analyze(source, config, silent)]


@pytest.mark.parametrize("min_scene_len", [15, 4])
@pytest.mark.parametrize("detector", ["content", "adaptive"])
def test_the_replayed_filter_cuts_where_pyscenedetect_does(
    burst_video: Path, detector: str, min_scene_len: int
) -> None:
    _, config = configured("fast", {"detector": detector, "min_scene_len": min_scene_len})
    library = scenedetect.ContentDetector if detector == "content" else scenedetect.AdaptiveDetector
    found = scenedetect.detect(
        str(burst_video), library(min_scene_len=min_scene_len), backend="pyav"
    )
    with FrameSampler(str(burst_video)) as frames:
        expected = [frames.nearest_frame(start.seconds) for start, _ in found]
    assert scenes_at(burst_video, config) == expected
    assert len(expected) >= 4


@pytest.mark.parametrize("backend", ["pyav", "opencv"])
def test_variable_frame_rate_video_with_b_frames_segmented_equals_whole(
    tmp_path: Path, backend: str
) -> None:
    """Every frame differs from the one before (a cut wherever the filter lets one
    through), frames are 20 ms to 0.7 s apart, packets are reordered; OpenCV seeks by the
    nominal rate and lands too late here, so windows seek farther back."""
    gaps = [20, 40, 40, 80, 200, 700, 40, 40]
    times = [sum(gaps[i % len(gaps)] for i in range(index)) for index in range(160)]
    path = write_vfr_video(tmp_path / "vfr.mp4", times, gop=12, bframes=2)
    with FrameSampler(str(path)) as frames:
        keyframes = frames.keyframe_times_ms()
    windows = windows_at(keyframes[1::2], probe_source(path).duration_ms)
    for profile in ("fast", "high_quality"):
        whole, segmented = whole_and_segmented(path, windows, profile, backend=backend)
        assert spans(segmented) == spans(whole)
    assert len(whole) > 1  # adaptive finds cuts with both (OpenCV's content detector none)


def test_a_seek_that_lands_inside_the_window_is_retried_farther_back(
    cut_video: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    planned = scenes_module._seek_positions

    def late_first(frames: FrameSampler, window: Window, context: int) -> list[float | None]:
        positions = planned(frames, window, context)
        return positions if window.is_first else [window.start_ms / 1000 + 0.2, *positions]

    monkeypatch.setattr(scenes_module, "_seek_positions", late_first)
    windows = windows_at([74 * FRAME_MS, 140 * FRAME_MS], 7200)
    with caplog.at_level(logging.DEBUG, logger=scenes_module.__name__):
        whole, segmented = whole_and_segmented(cut_video, windows)
    assert spans(segmented) == spans(whole)
    assert sum("landed too late" in message for message in caplog.messages) == 2


def test_only_the_first_window_reports_the_first_frame(cut_video: Path) -> None:
    analyzer, config = configured("fast", {})
    source = probe_source(cut_video)
    first, second = windows_at([2000], 7200)
    observed = list(analyzer.observe(source, config, first, silent))
    assert observed[0] == {"first": [0, 1, 12800], "rate": [25, 1]}
    assert [o["cut"][0] * 1000 // 12800 for o in observed[1:]] == [1200]
    later = list(analyzer.observe(source, config, second, silent))
    assert [o["cut"][0] * 1000 // 12800 for o in later] == [3000, 4000, 6400]
    assert all("first" not in o for o in later)


@pytest.mark.parametrize(
    "boundaries_ms",
    [
        pytest.param([3600], id="on a cut"),
        pytest.param([5880, 7520], id="3 frames before and after cuts"),
        pytest.param([1000, 3560, 6120, 7400, 9000, 9960], id="inside shots, on and by cuts"),
    ],
)
def test_the_demo_sample_segmented_equals_whole(boundaries_ms: list[int]) -> None:
    for profile in ("fast", "high_quality"):
        windows = windows_at(boundaries_ms, 12000)
        whole, segmented = whole_and_segmented(SAMPLE_VIDEO, windows, profile)
        assert spans(segmented) == spans(whole)
        assert [scene.start_ms for scene in whole] == [0, 2000, 3600, 6000, 7400, 10000]


def test_the_demo_sample_three_times_over_in_planned_windows(tmp_path: Path) -> None:
    with FrameSampler(str(SAMPLE_VIDEO)) as frames:
        images = [(frame.image, 1) for frame in frames.sample_indices(range(frames.frame_count))]
    path = write_stills_video(tmp_path / "thrice.mp4", images * 3, fps=FPS)
    with FrameSampler(str(path)) as frames:
        windows = plan_windows(36000, 10000, frames.keyframe_times_ms())
    assert len(windows) >= 3
    whole, segmented = whole_and_segmented(path, windows)
    assert spans(segmented) == spans(whole)
    assert len(whole) == 18  # 6 scenes a copy: each copy begins with a cut


@pytest.mark.slow
def test_a_realistic_clip_segmented_equals_whole(tmp_path: Path) -> None:
    # stills 0-5 s, a card 5-9 s, a talking head 9-13 s, a pan 13-16 s, a card, a still
    path = write_realistic_clip(tmp_path, 24)
    windows = windows_at([5000, 8880, 11000, 13120, 14500, 22000], 24000)
    for profile in ("fast", "high_quality"):
        whole, segmented = whole_and_segmented(path, windows, profile)
        assert spans(segmented) == spans(whole)
        assert [scene.start_ms for scene in whole] == [0, 5000, 9000, 13000, 16000, 20000]
