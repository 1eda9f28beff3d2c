"""Skip unchanged frames (workers.analyzers.unchanged): the frames the model is spared are
the ones that look like the last analysed frame, and carrying its results forward gives
the same artifacts as analysing every frame — on a clip where nothing changes between
samples and on one where everything does."""

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.media.frames import SampledFrame
from pipeline.settings import load_settings
from support.sources import probe_source
from support.synthetic import Caption, write_stills_video, write_text_video
from workers.analyzers.faces import FacesAnalyzer
from workers.analyzers.objects import ObjectsAnalyzer
from workers.analyzers.ocr import OcrAnalyzer
from workers.analyzers.unchanged import (
    SkipUnchangedConfig,
    frame_groups,
    luma_difference,
    small_luma,
)

DATA = Path(__file__).parent / "data"
FPS = 5
WIDTH, HEIGHT = 640, 360


@pytest.fixture(autouse=True)
def eioku_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIOKU_HOME", str(tmp_path / "home"))


def picture(name: str) -> np.ndarray:
    image = cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)
    return cv2.resize(image, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def static_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Zidane for 4 s: every sample shows the same picture."""
    path = tmp_path_factory.mktemp("static") / "static.mp4"
    return write_stills_video(path, [(picture("zidane.jpg"), 4 * FPS)], fps=FPS)


@pytest.fixture(scope="module")
def changing_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Zidane and the bus, swapped every second: every sample differs from the last."""
    zidane, bus = picture("zidane.jpg"), picture("bus.jpg")
    path = tmp_path_factory.mktemp("changing") / "changing.mp4"
    return write_stills_video(path, [(zidane, FPS), (bus, FPS)] * 2, fps=FPS)


def artifacts(analyzer: Any, path: Path, profile: str, **overrides: object) -> list[dict]:
    config = analyzer.effective_config(profile, overrides)
    outputs = list(analyzer.analyze(probe_source(path), config, lambda _: None))
    payloads = [getattr(output, "payload", output) for output in outputs]
    return [payload.model_dump(mode="json") for payload in payloads]


def both_paths(analyzer: Any, path: Path, profile: str, **overrides: object) -> tuple:
    skipping = artifacts(analyzer, path, profile, skip_unchanged=True, **overrides)
    every_frame = artifacts(analyzer, path, profile, skip_unchanged=False, **overrides)
    return skipping, every_frame


def same_faces(found: list[dict], expected: list[dict]) -> bool:
    """The same faces on the same frames with the same cluster ids; the video's coding noise
    moves a detector's margin a little between identical-looking frames, not the box."""
    return len(found) == len(expected) and all(
        (face["frame_index"], face["cluster_id"]) == (other["frame_index"], other["cluster_id"])
        and all(abs(face["bbox"][side] - other["bbox"][side]) <= 2 for side in face["bbox"])
        and abs(face["confidence"] - other["confidence"]) < 0.05
        for face, other in zip(found, expected, strict=True)
    )


def without_confidence(texts: list[dict]) -> list[dict]:
    """Texts, spans and polygons; the confidence moves with the video's coding noise."""
    return [{key: value for key, value in text.items() if key != "confidence"} for text in texts]


# --- the gate --------------------------------------------------------------------------


def frame(timestamp_ms: int, level: int) -> SampledFrame:
    image = np.full((36, 64, 3), level, np.uint8)
    return SampledFrame(
        frame_index=timestamp_ms // 40,
        timestamp_ms=timestamp_ms,
        image=image,
        display_width=64,
        display_height=36,
    )


@given(st.lists(st.integers(0, 255), min_size=1, max_size=40), st.integers(0, 3000))
def test_every_frame_is_analysed_or_carried_once_in_order(levels: list[int], max_skip: int):
    frames = [frame(index * 500, level) for index, level in enumerate(levels)]
    settings = SkipUnchangedConfig(skip_unchanged=True, max_skip_ms=max_skip)
    groups = list(frame_groups(frames, settings))
    flattened = [f for group in groups for f in (group.analysed, *group.carried)]
    assert flattened == frames
    for group in groups:
        for carried in group.carried:
            assert carried.timestamp_ms - group.analysed.timestamp_ms < max_skip
            # the gate compares luma in float32: levels 229 and 231 differ by 1.9999999
            difference = luma_difference(
                small_luma(carried.image), small_luma(group.analysed.image)
            )
            assert difference < settings.skip_threshold


def test_unchanged_frames_are_carried_until_max_skip_and_changes_are_analysed() -> None:
    frames = [frame(index * 1000, level) for index, level in enumerate([10, 10, 11, 10, 10, 90])]
    settings = SkipUnchangedConfig(skip_unchanged=True, max_skip_ms=3000)
    groups = [(g.analysed.timestamp_ms, [c.timestamp_ms for c in g.carried]) for g in
              frame_groups(frames, settings)]  # fmt: skip
    assert groups == [(0, [1000, 2000]), (3000, [4000]), (5000, [])]
    off = SkipUnchangedConfig(skip_unchanged=False)
    assert all(not group.carried for group in frame_groups(frames, off))


@given(
    st.lists(st.integers(0, 255), min_size=1, max_size=40),
    st.lists(st.integers(0, 20_000), max_size=6),
)
def test_the_first_frame_at_or_after_each_scene_cut_is_analysed(
    levels: list[int], cuts: list[int]
) -> None:
    frames = [frame(index * 500, level) for index, level in enumerate(levels)]
    settings = SkipUnchangedConfig(skip_unchanged=True, max_skip_ms=60_000, scene_cuts_ms=cuts)
    analysed = {group.analysed.timestamp_ms for group in frame_groups(frames, settings)}
    for cut in cuts:
        first_after = next((f.timestamp_ms for f in frames if f.timestamp_ms >= cut), None)
        assert first_after is None or first_after in analysed


def test_a_cut_forces_only_the_first_frame_after_it() -> None:
    frames = [frame(index * 1000, 10) for index in range(6)]

    def groups(**settings: object) -> list[tuple[int, list[int]]]:
        config = SkipUnchangedConfig(skip_unchanged=True, max_skip_ms=60_000, **settings)
        return [(g.analysed.timestamp_ms, [c.timestamp_ms for c in g.carried]) for g in
                frame_groups(frames, config)]  # fmt: skip

    assert groups() == [(0, [1000, 2000, 3000, 4000, 5000])]
    assert groups(scene_cuts_ms=[2500]) == [(0, [1000, 2000]), (3000, [4000, 5000])]
    assert groups(scene_cuts_ms=[3000, 200]) == [(0, []), (1000, [2000]), (3000, [4000, 5000])]


def test_scenes_give_their_cuts_only_to_a_config_that_skips() -> None:
    scenes = [(0, 2000), (2000, 3500), (3500, 6000)]
    for analyzer in (
        OcrAnalyzer(load_settings()),
        FacesAnalyzer(load_settings()),
        ObjectsAnalyzer(load_settings()),
    ):
        profile = "smoke" if isinstance(analyzer, ObjectsAnalyzer) else "fast"
        skipping = analyzer.effective_config(profile, {"skip_unchanged": True})
        assert "scene_cuts_ms" not in skipping.model_dump()  # configs and keys as before
        given_cuts = analyzer.with_scenes(skipping, scenes)
        assert given_cuts.model_dump()["scene_cuts_ms"] == [2000, 3500]
        assert analyzer.with_scenes(skipping, [(0, 6000)]) == skipping  # one scene, no cut
        every_frame = analyzer.effective_config(profile, {"skip_unchanged": False})
        assert analyzer.with_scenes(every_frame, scenes) == every_frame
        own = analyzer.effective_config(profile, {"scene_cuts_ms": [4000]})
        assert analyzer.with_scenes(own, scenes).model_dump()["scene_cuts_ms"] == [4000]


def test_on_by_default_in_fast_and_balanced_only() -> None:
    for analyzer in (
        OcrAnalyzer(load_settings()),
        FacesAnalyzer(load_settings()),
        ObjectsAnalyzer(load_settings()),
    ):
        assert analyzer.effective_config("fast", {}).skip_unchanged
        assert analyzer.effective_config("balanced", {}).skip_unchanged
        assert not analyzer.effective_config("high_quality", {}).skip_unchanged


# --- same artifacts as the every-frame path ----------------------------------------------


def test_faces_on_a_static_clip(static_clip: Path) -> None:
    skipping, every_frame = both_paths(
        FacesAnalyzer(load_settings()), static_clip, "fast", max_side=640
    )
    assert {face["frame_index"] for face in every_frame} == {0, 5, 10, 15}
    assert same_faces(skipping, every_frame)


def test_faces_on_an_all_changing_clip(changing_clip: Path) -> None:
    skipping, every_frame = both_paths(
        FacesAnalyzer(load_settings()), changing_clip, "fast", max_side=640
    )
    assert skipping == every_frame


def test_objects_on_both_clips(static_clip: Path, changing_clip: Path) -> None:
    for clip in (static_clip, changing_clip):
        skipping, every_frame = both_paths(ObjectsAnalyzer(load_settings()), clip, "smoke")
        assert skipping == every_frame


@pytest.mark.slow
def test_ocr_on_a_static_clip_and_an_all_changing_one(tmp_path: Path) -> None:
    static = write_text_video(tmp_path / "static.mp4", [Caption(0, 3000, "ASK NOT")], 3000)
    changing = write_text_video(
        tmp_path / "changing.mp4",
        [
            Caption(0, 1000, "ASK NOT"),
            Caption(1000, 2000, "WHAT YOUR"),
            Caption(2000, 3000, "COUNTRY"),
        ],
        3000,
    )
    for clip in (static, changing):
        skipping, every_frame = both_paths(OcrAnalyzer(load_settings()), clip, "fast")
        assert without_confidence(skipping) == without_confidence(every_frame)
        assert every_frame
