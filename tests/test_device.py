"""The device setting (workers.analyzers.device) for every model analyzer, on this GPU-less
machine: ``auto`` resolves to the CPU, ``cuda`` fails with ``device_unavailable``, a
per-analyzer variable wins over EIOKU_DEVICE, and the transcript's compute type follows the
planned device into the effective config."""

from pathlib import Path

import pytest

from pipeline.analysis.contract import AnalysisInputError
from pipeline.settings import load_settings
from support.sources import probe_source
from workers.analyzers import device
from workers.analyzers.device import ctranslate2_device, dlib_device, gpu_expected, torch_device
from workers.analyzers.faces import FacesAnalyzer
from workers.analyzers.ocr import OcrAnalyzer
from workers.analyzers.transcript import TranscriptAnalyzer, TranscriptConfig

DEMO = Path(__file__).resolve().parents[1] / "pipeline" / "demo" / "sample.mp4"
RESOLVERS = (torch_device, ctranslate2_device, dlib_device)


@pytest.fixture(autouse=True)
def no_device_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EIOKU_HOME", str(tmp_path / "home"))
    for name in ("EIOKU_DEVICE", "EIOKU_DEVICE_OCR", "EIOKU_DEVICE_TRANSCRIPT"):
        monkeypatch.delenv(name, raising=False)


def test_auto_is_the_cpu_here_for_every_library() -> None:
    requested = load_settings().device_for("ocr")
    assert requested == "auto"
    assert [resolve(requested) for resolve in RESOLVERS] == ["cpu", "cpu", "cpu"]
    assert not gpu_expected(requested)


def test_cuda_fails_with_device_unavailable_for_every_library() -> None:
    requested = load_settings({"EIOKU_DEVICE": "cuda"}).device_for("objects")
    for resolve, library in zip(RESOLVERS, ("torch", "CTranslate2", "dlib"), strict=True):
        with pytest.raises(AnalysisInputError) as raised:
            resolve(requested)
        assert raised.value.code == "device_unavailable"
        assert f"EIOKU_DEVICE=cuda but {library} sees no GPU here" in raised.value.message


def test_the_analyzer_variable_wins() -> None:
    settings = load_settings({"EIOKU_DEVICE": "cuda:1", "EIOKU_DEVICE_OCR": "cpu"})
    assert torch_device(settings.device_for("ocr")) == "cpu"
    assert settings.device_for("places") == "cuda:1"
    assert gpu_expected(settings.device_for("places"))
    assert not gpu_expected(settings.device_for("ocr"))


def test_ocr_and_the_faces_cnn_refuse_cuda_before_any_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EIOKU_DEVICE", "cuda")
    source = probe_source(DEMO)
    for analyzer, profile in (
        (OcrAnalyzer(load_settings()), "fast"),
        (FacesAnalyzer(load_settings()), "high_quality"),
    ):
        config = analyzer.effective_config(profile, {})
        with pytest.raises(AnalysisInputError) as raised:
            next(iter(analyzer.analyze(source, config, lambda _: None)))
        assert raised.value.code == "device_unavailable"


def test_compute_type_is_resolved_into_the_effective_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analyzer = TranscriptAnalyzer(load_settings())
    assert analyzer.effective_config("fast", {}).compute_type == "int8"
    monkeypatch.setenv("EIOKU_DEVICE_TRANSCRIPT", "cuda")
    planned_for_gpu = TranscriptAnalyzer(load_settings()).effective_config("fast", {})
    assert planned_for_gpu.compute_type == "float16"
    assert "device" not in planned_for_gpu.model_dump()
    # a run planned for a GPU keeps its compute type when re-read, and fails on a CPU worker
    stored = analyzer.effective_config("fast", planned_for_gpu.model_dump())
    assert stored.compute_type == "float16"
    with pytest.raises(AnalysisInputError) as raised:
        list(analyzer.analyze(probe_source(DEMO), stored, lambda _: None))
    assert raised.value.code == "device_unavailable"
    assert "compute_type=float16 needs a GPU" in raised.value.message


def test_validating_a_config_probes_no_device(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_probe() -> bool:
        raise AssertionError("a device was probed")

    monkeypatch.setattr(device, "_driver_gpus", no_probe)
    assert TranscriptConfig.model_validate({}).compute_type == "auto"
    assert TranscriptConfig.model_validate({"compute_type": "int8"}).compute_type == "int8"
    # planning for a device the settings name probes nothing either
    on_cpu = TranscriptAnalyzer(load_settings({"EIOKU_DEVICE": "cpu"}))
    assert on_cpu.effective_config("fast", {}).compute_type == "int8"
