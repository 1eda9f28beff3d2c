"""The scenes analyzer on generated videos whose cut frames are known exactly."""

import itertools
from pathlib import Path

import pytest

from pipeline.analysis.contract import AnalysisInputError
from pipeline.media.probe import probe
from pipeline.settings import load_settings
from support.sources import probe_source
from support.synthetic import Shot, alternating_shots, cut_frames, write_video
from workers.analyzers import scenes as scenes_module
from workers.analyzers.scenes import ScenesAnalyzer

FPS = 25
SHOT_LENGTHS = (30, 45, 25, 60, 20)


@pytest.fixture(scope="module")
def cut_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenes") / "cuts.mp4"
    return write_video(path, alternating_shots(SHOT_LENGTHS), fps=FPS)


def run_scenes(path: Path, profile: str = "fast", **overrides: object) -> list:
    analyzer = ScenesAnalyzer(load_settings())
    config = analyzer.effective_config(profile, overrides)
    return list(analyzer.analyze(probe_source(path), config, lambda fraction: None))


@pytest.mark.parametrize(
    ("profile", "backend"),
    [("fast", "opencv"), ("balanced", "opencv"), ("high_quality", "opencv"), ("fast", "pyav")],
)
def test_cuts_found_at_exact_frames_and_milliseconds(
    cut_video: Path, profile: str, backend: str
) -> None:
    found = run_scenes(cut_video, profile, backend=backend)
    cuts = cut_frames(alternating_shots(SHOT_LENGTHS))
    assert [scene.start_frame for scene in found[1:]] == cuts == [30, 75, 100, 160]
    assert [scene.start_ms for scene in found[1:]] == [frame * 1000 // FPS for frame in cuts]
    assert [scene.start_ms for scene in found[1:]] == [1200, 3000, 4000, 6400]


def test_scenes_tile_the_whole_video(cut_video: Path) -> None:
    found = run_scenes(cut_video)
    assert found[0].start_frame == 0 and found[0].start_ms == 0
    assert found[-1].end_frame == sum(SHOT_LENGTHS)
    assert found[-1].end_ms == probe(str(cut_video)).duration_ms == 7200
    assert [scene.scene_index for scene in found] == list(range(len(found)))
    for before, after in itertools.pairwise(found):
        assert before.end_frame == after.start_frame
        assert before.end_ms == after.start_ms


def test_cuts_across_progress_chunks_are_exact_and_progress_is_monotonic(
    cut_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scenes_module, "PROGRESS_CHUNK_SECONDS", 1)  # 25-frame chunks
    analyzer = ScenesAnalyzer(load_settings())
    reported: list[float] = []
    config = analyzer.effective_config("fast", {})
    found = list(analyzer.analyze(probe_source(cut_video), config, reported.append))
    assert [scene.start_frame for scene in found[1:]] == [30, 75, 100, 160]
    assert len(reported) >= 7
    assert reported == sorted(reported)
    assert reported[-1] == 1.0


def test_a_video_without_cuts_is_one_scene(tmp_path: Path) -> None:
    path = write_video(tmp_path / "one.mp4", [Shot(40, hue=0.2)])
    found = run_scenes(path)
    assert [(s.start_frame, s.end_frame, s.start_ms, s.end_ms) for s in found] == [(0, 40, 0, 1600)]


def test_threshold_override_changes_the_result(cut_video: Path) -> None:
    assert len(run_scenes(cut_video)) == 5
    assert len(run_scenes(cut_video, threshold=255.0)) == 1


def test_min_scene_len_suppresses_short_scenes(cut_video: Path) -> None:
    # shots of 30, 45, 25, 60, 20 frames: with a 40-frame minimum the cut after the
    # 30-frame shot and the one after the 25-frame shot cannot happen
    starts = [scene.start_frame for scene in run_scenes(cut_video, min_scene_len=40)]
    assert 30 not in starts and starts[0] == 0


def test_truncated_video_is_refused_not_half_analyzed(tmp_path: Path) -> None:
    whole = write_video(tmp_path / "whole.mp4", alternating_shots([100, 100, 100]), faststart=True)
    data = whole.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(AnalysisInputError) as raised:
        run_scenes(truncated)
    assert raised.value.code == "truncated_media"
    assert "12000 ms" in raised.value.message


def test_model_identity_and_engine_version_need_no_library_import() -> None:
    analyzer = ScenesAnalyzer(load_settings())
    identity = analyzer.model_identity(analyzer.effective_config("high_quality", {}))
    assert identity.model_id == "pyscenedetect-adaptive"
    assert analyzer.engine_version.startswith("2+scenedetect0.7")
