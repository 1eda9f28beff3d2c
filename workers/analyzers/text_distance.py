"""How far apart two texts are, in edits: what tells two OCR readings of one line apart
from two different lines."""

from collections.abc import Sequence


def edit_distance(expected: Sequence[object], found: Sequence[object]) -> int:
    """Substitutions, deletions and insertions that turn ``expected`` into ``found``."""
    distances = list(range(len(found) + 1))
    for row, wanted in enumerate(expected, 1):
        diagonal, distances[0] = distances[0], row
        for column, got in enumerate(found, 1):
            diagonal, distances[column] = (
                distances[column],
                min(distances[column] + 1, distances[column - 1] + 1, diagonal + (wanted != got)),
            )
    return distances[-1]


def text_key(text: str) -> str:
    """What two readings compare: case and runs of white space ignored."""
    return " ".join(text.split()).casefold()


def text_distance(first: str, second: str) -> float:
    """The edit distance of the two texts' keys over the longer one's length: 0 for the
    same text, 1 for texts with nothing in common."""
    a, b = text_key(first), text_key(second)
    return edit_distance(a, b) / max(len(a), len(b), 1)
