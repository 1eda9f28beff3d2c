"""A realistic clip for the frame analyzers: real stills and text cards held for seconds,
a talking-head segment (a face that sways and zooms a little every frame) and a camera
pan across a street — what skipping unchanged frames meets in real footage."""

from pathlib import Path

import cv2
import numpy as np

from support.synthetic import write_stills_video

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
FPS = 25
WIDTH, HEIGHT = 960, 540
CARDS = ("BUDGET 2026", "PLATFORM 9", "NO ENTRY", "HELLO WORLD")
Segment = tuple[np.ndarray, int]


def _picture(name: str, size: tuple[int, int] = (WIDTH, HEIGHT)) -> np.ndarray:
    image = cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _card(text: str) -> np.ndarray:
    image = np.full((HEIGHT, WIDTH, 3), 30, np.uint8)
    font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, 2.0, 4
    (width, height), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = ((WIDTH - width) // 2, (HEIGHT + height) // 2)
    cv2.putText(image, text, origin, font, scale, (240, 240, 240), thickness, cv2.LINE_AA)
    return image


def _talking_head(face: np.ndarray, frames: int) -> list[Segment]:
    """The face sways a few pixels and breathes in and out of a 3 % zoom."""
    segments = []
    for index in range(frames):
        phase = 2 * np.pi * index / FPS
        zoom = 1.0 + 0.015 * (1 + np.sin(phase / 2))
        shift_x, shift_y = 4 * np.sin(phase), 2 * np.cos(phase)
        matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), 0.0, zoom)
        matrix[:, 2] += (shift_x, shift_y)
        segments.append((cv2.warpAffine(face, matrix, (WIDTH, HEIGHT)), 1))
    return segments


def _pan(frames: int) -> list[Segment]:
    """A camera panning right across the bus picture, 1.5 times the frame's width."""
    street = _picture("bus.jpg", (WIDTH * 3 // 2, HEIGHT))
    travel = street.shape[1] - WIDTH
    return [
        (np.ascontiguousarray(street[:, x : x + WIDTH]), 1)
        for x in (index * travel // max(frames - 1, 1) for index in range(frames))
    ]


def write_realistic_clip(directory: Path, seconds: int, audio: Path | None = None) -> Path:
    """About ``seconds`` long: a cycle of 24 s repeated (stills 5 s, cards 4 s, head 4 s,
    pan 3 s), each repeat with the next text cards; ``audio`` (a file) as its sound."""
    zidane, bus = _picture("zidane.jpg"), _picture("bus.jpg")
    segments: list[Segment] = []
    cycle = 0
    while sum(frames for _, frames in segments) < seconds * FPS:
        segments += [(zidane, 5 * FPS), (_card(CARDS[(2 * cycle) % len(CARDS)]), 4 * FPS)]
        segments += _talking_head(zidane, 4 * FPS)
        segments += _pan(3 * FPS)
        segments += [(_card(CARDS[(2 * cycle + 1) % len(CARDS)]), 4 * FPS), (bus, 4 * FPS)]
        cycle += 1
    return write_stills_video(directory / "realistic.mp4", segments, fps=FPS, audio=audio)
