"""The places analyzer: Places365 categories on keyframes. No Places365 weights can be had
here: without a weights file the run must fail, and the model path is tested with the
seeded untrained ResNet-18 of the ``smoke`` profile and checkpoints the tests write in
the public checkpoint's layout."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.analysis.models import ModelUnavailableError, WeightsReference
from pipeline.db.engine import Database
from pipeline.db.projections import artifact_facets
from pipeline.settings import load_settings
from schemas.payloads import PlaceClassification
from support.sources import probe_source
from support.synthetic import alternating_shots, write_video
from tests.support.cli import Eioku
from tests.support.factories import clear_tables
from tests.support.windowed import assembled_in_windows, windows_split_at
from workers.analyzers.place_models import CLASS_COUNT, categories, load_classifier
from workers.analyzers.places import PlacesAnalyzer
from workers.analyzers.torch_compat import ensure_torchvision_ops

FPS = 25
SHOTS = alternating_shots([50, 25, 75])  # 0-2 s, 2-3 s, 3-6 s


@pytest.fixture(scope="module")
def shots_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("places") / "shots.mp4"
    return write_video(path, SHOTS, fps=FPS, size=(160, 96))


@pytest.fixture(autouse=True)
def eioku_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIOKU_HOME", str(tmp_path / "home"))


def test_the_category_file_lists_365_places_in_model_order() -> None:
    names = categories()
    assert len(names) == CLASS_COUNT == len(set(names))
    assert names[0] == "airfield" and names[-1] == "zen_garden"
    assert "basketball_court/indoor" in names


def test_without_weights_the_run_fails_naming_the_setting(
    sqlite_database: Database, shots_video: Path, tmp_path: Path
) -> None:
    clear_tables(sqlite_database)
    eioku = Eioku(sqlite_database, tmp_path / "home")
    result = eioku("analyze", str(shots_video), "-a", "places", "--json")
    assert result.code == 1
    run = result.json()[0]["runs"][0]
    assert (run["outcome"], run["error_code"], run["artifact_count"]) == (
        "failed",
        "model_unavailable",
        0,
    )
    assert "EIOKU_MODEL_PLACES_" in run["error_message"]
    assert "--set places.model_path=PATH" in run["error_message"]
    assert "Traceback" not in result.stderr


def test_smoke_profile_classifies_each_interval_keyframe(
    db: Database, shots_video: Path, tmp_path: Path
) -> None:
    eioku = Eioku(db, tmp_path / "home")
    result = eioku("analyze", str(shots_video), "-a", "places", "-p", "smoke", "--json")
    assert result.code == 0, result.stderr
    run = result.json()[0]["runs"][0]
    assert run["model_id"] == "resnet18-places365:resnet18-places365#seed0 [UNTRAINED TEST MODEL]"
    listed = eioku(
        "artifacts",
        str(shots_video),
        "--type",
        "place.classification",
        "--profile",
        "smoke",
        "--json",
    )
    items = listed.json()
    assert [item["payload"]["timestamp_ms"] for item in items] == [0, 1000, 2000, 3000, 4000, 5000]
    names = categories()
    for item in items:
        predictions = item["payload"]["predictions"]
        assert len(predictions) == 5
        assert all(names[p["class_index"]] == p["label"] for p in predictions)
        confidences = [p["confidence"] for p in predictions]
        assert confidences == sorted(confidences, reverse=True)
    with db.engine.connect() as connection:
        labelled = select(func.count()).where(artifact_facets.c.label.isnot(None))
        assert connection.scalar(labelled) == len(items)
    top = items[0]["payload"]["predictions"][0]["label"]
    jump = ("jump", str(shots_video), "--kind", "place", "--label", top, "--json")
    assert eioku(*jump).code == 1  # an untrained model answers only when asked for
    jumped = eioku(*jump, "--profile", "smoke").json()
    assert jumped["model_id"] == run["model_id"]
    assert jumped["jump_to"]["start_ms"] == min(
        item["payload"]["timestamp_ms"]
        for item in items
        if item["payload"]["predictions"][0]["label"] == top
    )


def test_scene_spans_give_one_keyframe_in_the_middle_of_each_scene(shots_video: Path) -> None:
    analyzer = PlacesAnalyzer(load_settings())
    spans = [[0, 2000], [2000, 3000], [3000, 6000]]
    config = analyzer.effective_config("smoke", {"scene_spans_ms": spans, "top_k": 3})
    found = list(analyzer.analyze(probe_source(shots_video), config, lambda f: None))
    assert [p.timestamp_ms for p in found] == [1000, 2480, 4480]  # frames at 40 ms steps
    assert [p.frame_index for p in found] == [25, 62, 112]
    assert all(len(p.predictions) == 3 for p in found)
    with pytest.raises(ValueError, match="scene span"):
        analyzer.effective_config("smoke", {"scene_spans_ms": [[3000, 1000]]})


@pytest.mark.parametrize(
    ("spans", "times"),
    [
        (None, [0, 1000, 2000, 3000, 4000, 5000]),
        ([[0, 2000], [2000, 3000], [3000, 6000]], [1000, 2480, 4480]),
    ],
)
def test_windows_classify_the_whole_videos_keyframes(
    shots_video: Path, spans: list[list[int]] | None, times: list[int]
) -> None:
    """A boundary at 2.5 s, the middle of the second scene (the frame shown then is from
    2.48 s), and one at 4 s, a sample of the interval: each keyframe is classified in one
    window, as in the whole video. A frame's batch neighbours differ between the two, which
    moves probabilities by float rounding only (2.6e-8 seen)."""
    analyzer = PlacesAnalyzer(load_settings())
    config = analyzer.effective_config("smoke", {"scene_spans_ms": spans})
    source = probe_source(shots_video)
    whole = list(analyzer.analyze(source, config, lambda f: None))
    windows = windows_split_at(source.duration_ms, 2500, 4000)
    segmented = assembled_in_windows(analyzer, source, config, windows)
    assert [place.timestamp_ms for place in segmented] == times
    assert [ranked(place) for place in segmented] == [ranked(place) for place in whole]
    for place, alone in zip(whole, segmented, strict=True):
        assert [p.confidence for p in alone.predictions] == pytest.approx(
            [p.confidence for p in place.predictions], abs=1e-6
        )


def ranked(place: PlaceClassification) -> tuple[int, list[int]]:
    return place.frame_index, [prediction.class_index for prediction in place.predictions]


def save_checkpoint(path: Path, network: object, *, published_layout: bool) -> Path:
    import torch

    state = network.state_dict()  # type: ignore[attr-defined]
    if published_layout:  # as DataParallel saved it, inside the training checkpoint
        prefixed = {f"module.{key}": value for key, value in state.items()}
        state = {"epoch": 90, "arch": "resnet18", "state_dict": prefixed}
    torch.save(state, path)
    return path


def test_a_checkpoint_in_the_published_layout_loads_and_keys_the_cache(
    shots_video: Path, tmp_path: Path
) -> None:
    untrained = load_classifier(
        WeightsReference.resolve("untrained:resnet18-places365", load_settings()), "cpu"
    )
    published = save_checkpoint(tmp_path / "places.pth.tar", untrained, published_layout=True)
    bare = save_checkpoint(tmp_path / "bare.pth", untrained, published_layout=False)
    analyzer = PlacesAnalyzer(load_settings())
    source = probe_source(shots_video)
    results = []
    for weights in ({"model_path": str(published)}, {"model_path": str(bare)}, {}):
        config = analyzer.effective_config("smoke", weights)
        results.append([p.predictions for p in analyzer.analyze(source, config, lambda f: None)])
    assert results[0] == results[1] == results[2]
    config = analyzer.effective_config("fast", {"model_path": str(published)})
    identity = analyzer.model_identity(config)
    assert identity.name == "resnet18-places365:places.pth.tar" and not identity.untrained
    assert identity.weights_sha256 and len(identity.weights_sha256) == 64


def test_a_checkpoint_of_another_layout_is_refused(shots_video: Path, tmp_path: Path) -> None:
    ensure_torchvision_ops()
    from torchvision.models import resnet18

    imagenet = save_checkpoint(tmp_path / "imagenet.pth", resnet18(), published_layout=False)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    analyzer = PlacesAnalyzer(load_settings())
    for weights, message in ((imagenet, "365-way head"), (garbage, "not a readable")):
        config = analyzer.effective_config("fast", {"model_path": str(weights)})
        with pytest.raises(ModelUnavailableError, match=message):
            list(analyzer.analyze(probe_source(shots_video), config, lambda f: None))
