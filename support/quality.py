"""Measures of result quality against ground truth written down in ``tests/data/``: word
and character error rates, precision and recall of boxes and of time points. Shared by
``bench/quality.py`` (which prints them per analyzer and profile) and the tests that
hold the floors."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.db.search_text import folded
from workers.analyzers.text_distance import edit_distance

# Titles written either way in transcripts (as Whisper's own English normalizer does).
SPELLED_OUT = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}


def words_only(text: str) -> str:
    """Lower case without accents, letters, digits and apostrophes, titles spelled out:
    what a word error rate compares."""
    words = re.sub(r"[^a-z0-9' ]", " ", plain_characters(text)).split()
    return " ".join(SPELLED_OUT.get(word, word) for word in words)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Words substituted, deleted and inserted per word of the reference, both compared
    as ``words_only``."""
    expected, said = words_only(reference).split(), words_only(hypothesis).split()
    return edit_distance(expected, said) / max(len(expected), 1)


def plain_characters(text: str) -> str:
    """Case, accents and runs of white space ignored: what a character error rate compares."""
    return " ".join(folded(text).split())


def character_error_rate(reference: str, hypothesis: str) -> float:
    expected, read = plain_characters(reference), plain_characters(hypothesis)
    return edit_distance(expected, read) / max(len(expected), 1)


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def area(self) -> float:
        return max(self.right - self.left, 0.0) * max(self.bottom - self.top, 0.0)

    def iou(self, other: "Box") -> float:
        inside = Box(
            max(self.left, other.left),
            max(self.top, other.top),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        ).area
        union = self.area + other.area - inside
        return inside / union if union > 0 else 0.0


@dataclass(frozen=True)
class Matched:
    """How many of what was found match the truth one to one, out of how many each."""

    matched: int
    found: int
    expected: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __add__(self, other: "Matched") -> "Matched":
        return Matched(
            self.matched + other.matched, self.found + other.found, self.expected + other.expected
        )


def match_boxes(expected: Sequence[Box], found: Sequence[Box], min_iou: float = 0.5) -> Matched:
    """Greedy one-to-one matching, best overlap first (the usual detection measure)."""
    pairs = sorted(
        (
            (truth.iou(candidate), t, f)
            for t, truth in enumerate(expected)
            for f, candidate in enumerate(found)
        ),
        reverse=True,
    )
    used_truth: set[int] = set()
    used_found: set[int] = set()
    for overlap, t, f in pairs:
        if overlap < min_iou:
            break
        if t not in used_truth and f not in used_found:
            used_truth.add(t)
            used_found.add(f)
    return Matched(len(used_truth), len(found), len(expected))


def match_times(expected: Sequence[int], found: Sequence[int], tolerance_ms: int) -> Matched:
    """Time points (scene cuts) matched one to one within ``tolerance_ms``, nearest first."""
    pairs = sorted(
        (abs(truth - candidate), t, f)
        for t, truth in enumerate(expected)
        for f, candidate in enumerate(found)
        if abs(truth - candidate) <= tolerance_ms
    )
    used_truth: set[int] = set()
    used_found: set[int] = set()
    for _, t, f in pairs:
        if t not in used_truth and f not in used_found:
            used_truth.add(t)
            used_found.add(f)
    return Matched(len(used_truth), len(found), len(expected))


@dataclass(frozen=True)
class QualityRow:
    """One line of bench/quality.py's table: a measure of one analyzer under one profile
    on one piece of media. ``better`` says which way is good ("lower" for error rates)."""

    analyzer: str
    profile: str
    media: str
    measure: str
    value: float
    better: str = "higher"  # or "lower", or "info": a figure that is neither
    detail: str = ""


class MeasureUnavailable(Exception):
    """A measure that cannot be taken on this machine (its weights are not installed)."""
