"""Captions rendered with real fonts over real photos, as a video whose ground truth (each
caption's text, place and on-screen interval) is a JSON file: tests/data/captions.json
(described in tests/data/README.md). The same file drives the OCR quality bench and the
OCR tests, so what they measure against is exactly what was drawn."""

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from support.synthetic import write_stills_video

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
CAPTIONS_FILE = DATA / "captions.json"
FONTS = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
BOX_PADDING = 6


@dataclass(frozen=True)
class Backdrop:
    """``photo`` (a file of tests/data/) cropped to the frame's aspect and scaled to it,
    shown from ``start_ms`` (inclusive) to ``end_ms`` (exclusive)."""

    photo: str
    start_ms: int
    end_ms: int
    scene_text: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class DrawnCaption:
    """One line of text drawn at (``x``, ``y``) (its top-left) from ``start_ms`` to
    ``end_ms`` (exclusive) in a DejaVu ``font`` of ``size`` px; ``style`` is ``plain``,
    ``outline`` (a dark stroke around the letters) or ``box`` (on a rectangle of
    ``box_colour`` at ``box_opacity``)."""

    text: str
    start_ms: int
    end_ms: int
    x: int
    y: int
    font: str
    size: int
    colour: tuple[int, int, int]
    style: str = "plain"
    box_colour: tuple[int, int, int] = (0, 0, 0)
    box_opacity: float = 1.0

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def shown_at(self, time_ms: int) -> bool:
        return self.start_ms <= time_ms < self.end_ms

    def box(self) -> tuple[int, int, int, int]:
        """Left, top, right, bottom of the lettering, with the box's padding around it."""
        font = ImageFont.truetype(str(FONTS / self.font), self.size)
        left, top, right, bottom = font.getbbox(self.text)
        return (
            self.x + left - BOX_PADDING,
            self.y + top - BOX_PADDING,
            self.x + right + BOX_PADDING,
            self.y + bottom + BOX_PADDING,
        )


@dataclass(frozen=True)
class CaptionedVideo:
    """The recipe and ground truth of one captioned video."""

    size: tuple[int, int]
    fps: int
    duration_ms: int
    backdrops: tuple[Backdrop, ...]
    captions: tuple[DrawnCaption, ...]

    @classmethod
    def load(cls, path: Path = CAPTIONS_FILE) -> "CaptionedVideo":
        raw = json.loads(path.read_text())
        return cls(
            size=(raw["size"][0], raw["size"][1]),
            fps=raw["fps"],
            duration_ms=raw["duration_ms"],
            backdrops=tuple(_backdrop(item) for item in raw["backdrops"]),
            captions=tuple(_caption(item) for item in raw["captions"]),
        )

    def frame_at(self, time_ms: int) -> np.ndarray:
        """The RGB picture shown at ``time_ms``."""
        backdrop = next(b for b in self.backdrops if b.start_ms <= time_ms < b.end_ms)
        picture = Image.fromarray(_photo(backdrop.photo, self.size)).convert("RGBA")
        for caption in self.captions:
            if caption.shown_at(time_ms):
                picture = _draw(picture, caption)
        return np.asarray(picture.convert("RGB"))

    def write(self, path: Path) -> Path:
        """The video: one still per stretch in which nothing appears or goes."""
        changes = sorted(
            {0, self.duration_ms}
            | {edge for b in self.backdrops for edge in (b.start_ms, b.end_ms)}
            | {edge for c in self.captions for edge in (c.start_ms, c.end_ms)}
        )
        stills = [
            (self.frame_at(start), _frames(end, self.fps) - _frames(start, self.fps))
            for start, end in itertools.pairwise(changes)
            if start < self.duration_ms
        ]
        return write_stills_video(path, stills, fps=self.fps)


def _backdrop(item: dict[str, Any]) -> Backdrop:
    boxes = tuple((left, top, right, bottom) for left, top, right, bottom in item["scene_text"])
    return Backdrop(item["photo"], item["start_ms"], item["end_ms"], boxes)


def _caption(item: dict[str, Any]) -> DrawnCaption:
    values = dict(item)
    for key in ("colour", "box_colour"):
        if key in values:
            values[key] = tuple(values[key])
    return DrawnCaption(**values)


def _frames(time_ms: int, fps: int) -> int:
    return time_ms * fps // 1000


def _photo(name: str, size: tuple[int, int]) -> np.ndarray:
    """The middle of the photo at the frame's aspect, scaled to ``size``."""
    image = Image.open(DATA / name).convert("RGB")
    width, height = size
    scale = max(width / image.width, height / image.height)
    crop_w, crop_h = round(width / scale), round(height / scale)
    left, top = (image.width - crop_w) // 2, (image.height - crop_h) // 2
    cropped = image.crop((left, top, left + crop_w, top + crop_h))
    return np.asarray(cropped.resize(size, Image.Resampling.LANCZOS))


def _draw(picture: Image.Image, caption: DrawnCaption) -> Image.Image:
    font = ImageFont.truetype(str(FONTS / caption.font), caption.size)
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    if caption.style == "box":
        draw.rectangle(caption.box(), fill=(*caption.box_colour, round(255 * caption.box_opacity)))
    stroke = max(caption.size // 12, 1) if caption.style == "outline" else 0
    draw.text(
        (caption.x, caption.y),
        caption.text,
        font=font,
        fill=(*caption.colour, 255),
        stroke_width=stroke,
        stroke_fill=(*caption.box_colour, 255),
    )
    return Image.alpha_composite(picture, layer)
