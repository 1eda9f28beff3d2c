"""On-screen text against the captions that were drawn: tests/data/captions.json (eight
lines in DejaVu fonts of several sizes, weights and colours, outlined or on boxes, over
zidane.jpg and bus.jpg, 24 s at 640x360, rendered by support/captions.py) and the demo
sample's ASK NOT card (7.4 s to 10 s). Per media and profile:

- CER: of each caption, the character error rate of the best-matching artifact on screen
  with it (1.0 when none; capped at 1.0), averaged over the captions;
- span recall: the caption time covered by ONE artifact whose text is within CER 0.2 of
  the caption, over all caption time (an artifact spans its first to its last sample);
- artifacts per caption: the artifacts whose box centre lies in a caption's box while it
  is shown, per caption (1.0 is ideal: a caption read as words or split in time is more);
- noise artifacts: artifacts in no caption's box and on no lettering of the photo itself
  (the ``scene_text`` boxes of the ground truth: the bus's signs are text, not noise).
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.quality_runs import DEMO, analyze_file
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.models import Resolution
from pipeline.settings import load_settings
from schemas.payloads import OcrText
from support.captions import CaptionedVideo
from support.quality import MeasureUnavailable, QualityRow, character_error_rate

MATCHING_CER = 0.2
DEMO_SIZE = (320, 180)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ShownText:
    """What a reader sees: ``text`` in ``box`` from ``start_ms`` to ``end_ms`` (exclusive)."""

    text: str
    start_ms: int
    end_ms: int
    box: Box


@dataclass(frozen=True)
class Truth:
    captions: tuple[ShownText, ...]
    scene_text: tuple[ShownText, ...] = ()  # lettering of the photos: neither caption nor noise


def measure(profile: str) -> list[QualityRow]:
    status = AnalyzerCatalog(load_settings()).get("ocr").model_status(profile)
    if status.resolution is Resolution.MISSING:
        raise MeasureUnavailable(f"no EasyOCR weights on this machine: {status.remedy}")
    video = CaptionedVideo.load()
    rows = []
    with TemporaryDirectory(prefix="eioku-quality-ocr-") as directory:
        cases = {
            "captions.mp4": (video.write(Path(directory) / "captions.mp4"), _truth(video)),
            "demo sample.mp4": (DEMO, _demo_truth()),
        }
        for media, (path, truth) in cases.items():
            found = [
                item for item in analyze_file("ocr", profile, path) if isinstance(item, OcrText)
            ]
            rows += _figures(profile, media, truth, found)
    return rows


def _truth(video: CaptionedVideo) -> Truth:
    captions = tuple(ShownText(c.text, c.start_ms, c.end_ms, c.box()) for c in video.captions)
    scene_text = tuple(
        ShownText("", backdrop.start_ms, backdrop.end_ms, box)
        for backdrop in video.backdrops
        for box in backdrop.scene_text
    )
    return Truth(captions, scene_text)


def _demo_truth() -> Truth:
    """The card fills the frame (tests/support/build_demo_sample.py): frames 185 to 250."""
    width, height = DEMO_SIZE
    return Truth((ShownText("ASK NOT", 7400, 10000, (0, 0, width, height)),))


def _figures(profile: str, media: str, truth: Truth, found: Sequence[OcrText]) -> list[QualityRow]:
    errors = [_best_error(caption, found) for caption in truth.captions]
    covered = sum(_covered_ms(caption, found) for caption in truth.captions)
    total = sum(caption.end_ms - caption.start_ms for caption in truth.captions)
    inside = [item for item in found if any(_inside(item, c) for c in truth.captions)]
    noise = [
        item
        for item in found
        if item not in inside and not any(_inside(item, s) for s in truth.scene_text)
    ]
    worst = max(zip(errors, truth.captions, strict=True), key=lambda pair: pair[0])
    row = functools.partial(QualityRow, "ocr", profile, media)
    return [
        row("CER", sum(errors) / len(errors), "lower", f"worst {worst[0]:.2f}: {worst[1].text}"),
        row("span recall", covered / total, "higher", f"{covered / 1000:.1f} of {total / 1000} s"),
        row(
            "artifacts/caption",
            len(inside) / len(truth.captions),
            "lower",
            f"{len(inside)} for {len(truth.captions)} captions",
        ),
        row(
            "noise artifacts",
            float(len(noise)),
            "lower",
            "; ".join(item.text for item in noise[:6]),
        ),
    ]


def _on_screen(item: OcrText, shown: ShownText) -> bool:
    return item.start_ms < shown.end_ms and item.end_ms >= shown.start_ms


def _inside(item: OcrText, shown: ShownText) -> bool:
    xs = [point.x for point in item.polygon]
    ys = [point.y for point in item.polygon]
    x, y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    left, top, right, bottom = shown.box
    return _on_screen(item, shown) and left <= x <= right and top <= y <= bottom


def _best_error(caption: ShownText, found: Sequence[OcrText]) -> float:
    errors = [
        character_error_rate(caption.text, item.text) for item in found if _on_screen(item, caption)
    ]
    return min([1.0, *errors])


def _covered_ms(caption: ShownText, found: Sequence[OcrText]) -> int:
    overlaps = [
        min(item.end_ms, caption.end_ms) - max(item.start_ms, caption.start_ms)
        for item in found
        if _on_screen(item, caption)
        and character_error_rate(caption.text, item.text) <= MATCHING_CER
    ]
    return max([0, *overlaps])
