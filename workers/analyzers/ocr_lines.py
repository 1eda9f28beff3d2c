"""The boxes EasyOCR reads on one frame, joined into lines of text, and the reads too
unlike text to keep.

EasyOCR reads a word, or a few words it sees close together, as one box; a caption with
wide gaps (ASK NOT on a card, a scoreboard) comes back as several. Boxes that overlap
vertically, have similar heights and lie close side by side are one line."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

Box = tuple[float, float, float, float]  # left, top, right, bottom

# how much of the lower box two boxes must share vertically to be on one line
MIN_VERTICAL_OVERLAP = 0.5
# and how much of the narrower one they may share horizontally (more: stacked lines)
MAX_HORIZONTAL_OVERLAP = 0.5


@dataclass(frozen=True)
class TextDetection:
    """One box EasyOCR read on one sampled frame; polygon in the frame as displayed."""

    text: str
    confidence: float
    polygon: tuple[tuple[float, float], ...]

    @cached_property
    def box(self) -> Box:
        xs, ys = zip(*self.polygon, strict=True)
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def order(self) -> tuple[object, ...]:
        """Left to right, then everything else, so that equal inputs sort alike."""
        return (*self.box, self.text, self.confidence, self.polygon)


@dataclass(frozen=True)
class TextLine:
    """Boxes read on one line of one frame, left to right."""

    words: tuple[TextDetection, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(" ".join(word.text.split()) for word in self.words)

    @cached_property
    def confidence(self) -> float:
        """The words' confidences weighted by their lengths: a misread long word weighs
        more than a stray character."""
        weights = [max(len(word.text.strip()), 1) for word in self.words]
        total = sum(w * word.confidence for w, word in zip(weights, self.words, strict=True))
        return total / sum(weights)

    @cached_property
    def box(self) -> Box:
        boxes = [word.box for word in self.words]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    @property
    def polygon(self) -> tuple[tuple[float, float], ...]:
        left, top, right, bottom = self.box
        return (left, top), (right, top), (right, bottom), (left, bottom)

    def order(self) -> tuple[object, ...]:
        return tuple(word.order() for word in self.words)


def group_lines(
    detections: Sequence[TextDetection], max_gap: float, max_height_ratio: float
) -> list[TextLine]:
    """The lines the detections form, top to bottom: two boxes are on one line when they
    share at least half of the lower one's height and less than half of the narrower
    one's width, the taller is at most ``max_height_ratio`` times the other, and the gap
    between them is at most ``max_gap`` times their mean height; a line is every box
    joined to it through such pairs. The result does not depend on the order of
    ``detections``."""
    words = sorted((d for d in detections if d.text.strip()), key=TextDetection.order)
    parent = list(range(len(words)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, first in enumerate(words):
        for j in range(i + 1, len(words)):
            if _on_one_line(first, words[j], max_gap, max_height_ratio):
                parent[root(j)] = root(i)
    members: dict[int, list[TextDetection]] = {}
    for index, word in enumerate(words):
        members.setdefault(root(index), []).append(word)
    lines = [TextLine(tuple(line)) for line in members.values()]
    return sorted(lines, key=lambda line: (line.box[1], line.box[0], line.text))


def _on_one_line(
    first: TextDetection, second: TextDetection, max_gap: float, max_height_ratio: float
) -> bool:
    low, high = sorted((first.height, second.height))
    if low <= 0 or high > max_height_ratio * low:
        return False
    shared = min(first.box[3], second.box[3]) - max(first.box[1], second.box[1])
    gap = max(first.box[0], second.box[0]) - min(first.box[2], second.box[2])
    narrower = min(first.box[2] - first.box[0], second.box[2] - second.box[0])
    return (
        shared >= MIN_VERTICAL_OVERLAP * low
        and -gap < MAX_HORIZONTAL_OVERLAP * narrower
        and gap <= max_gap * (low + high) / 2
    )


@dataclass(frozen=True)
class ReadFilter:
    """Which line reads count as text: at least ``min_chars`` letters or digits, which
    make at least ``min_alnum_share`` of its characters (spaces aside), and lines with
    fewer than ``short_chars`` letters or digits read with ``short_confidence`` at least
    (a stray glyph on a logo is short and unsure; a real "9" or "EXIT" is read surely)."""

    min_chars: int
    min_alnum_share: float
    short_chars: int
    short_confidence: float

    def keeps(self, line: TextLine) -> bool:
        characters = line.text.replace(" ", "")
        alnum = sum(character.isalnum() for character in characters)
        if alnum < self.min_chars or alnum < self.min_alnum_share * len(characters):
            return False
        return alnum >= self.short_chars or line.confidence >= self.short_confidence
