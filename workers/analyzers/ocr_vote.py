"""What a line on screen says, from its reads on many samples: OCR misreads a letter here
and there, differently from frame to frame, so the reading most samples agree on is
the line's text and the others are its variants."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from workers.analyzers.ocr_lines import TextLine
from workers.analyzers.text_distance import text_distance

# readings at most this far apart (text_distance) are one reading misread: they vote together
SAME_READING = 0.3


@dataclass(frozen=True)
class Reading:
    """One text a line was read as, on ``count`` samples: ``confidence`` is their mean,
    ``best`` the most confident of those reads."""

    text: str
    count: int
    confidence: float
    best: TextLine


@dataclass(frozen=True)
class Vote:
    winner: Reading
    variants: tuple[Reading, ...]  # the other readings, most frequent first


def vote(reads: Sequence[TextLine]) -> Vote:
    """Readings whose texts are within ``SAME_READING`` of the group's most frequent one
    form a group; the group read on most samples wins, and its most frequent reading is
    the text (ties: the more confident). The result does not depend on the reads' order.
    """
    if not reads:
        raise ValueError("nothing to vote on")
    by_text: dict[str, list[TextLine]] = {}
    for read in reads:
        by_text.setdefault(read.text, []).append(read)
    readings = sorted(
        (_reading(text, same) for text, same in by_text.items()),
        key=lambda r: (-r.count, -r.confidence, r.text),
    )
    groups: list[list[Reading]] = []
    for reading in readings:
        group = next(
            (g for g in groups if text_distance(g[0].text, reading.text) <= SAME_READING), None
        )
        if group is None:
            groups.append([reading])
        else:
            group.append(reading)
    winning = max(groups, key=lambda g: sum(r.count for r in g))  # the first of equals
    winner = winning[0]
    return Vote(winner, tuple(r for r in readings if r is not winner))


def _reading(text: str, reads: Sequence[TextLine]) -> Reading:
    best = max(reads, key=lambda read: (read.confidence, read.order()))
    confidence = math.fsum(read.confidence for read in reads) / len(reads)  # in any order
    return Reading(text, len(reads), confidence, best)
