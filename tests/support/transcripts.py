"""Checks on transcripts: the words said, how far two transcripts differ, and the
timeline's order."""

import itertools
import re
from pathlib import Path

from schemas.payloads.transcript import TranscriptSegment, Word

JFK = Path(__file__).parent.parent / "data" / "jfk.flac"
PHRASE = "ask not what your country can do for you"


def words_only(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Words substituted, deleted and inserted (a word-level edit distance) per word of
    the reference, both compared as ``words_only``."""
    expected, said = words_only(reference).split(), words_only(hypothesis).split()
    distances = list(range(len(said) + 1))
    for row, word in enumerate(expected, 1):
        diagonal, distances[0] = distances[0], row
        for column, heard in enumerate(said, 1):
            diagonal, distances[column] = (
                distances[column],
                min(distances[column] + 1, distances[column - 1] + 1, diagonal + (word != heard)),
            )
    return distances[-1] / max(len(expected), 1)


def all_words(segments: list[TranscriptSegment]) -> list[Word]:
    return [word for segment in segments for word in segment.words]


def assert_in_order_and_inside(segments: list[TranscriptSegment], duration_ms: int) -> None:
    for segment in segments:
        assert 0 <= segment.start_ms <= segment.end_ms <= duration_ms
        for word in segment.words:
            assert segment.start_ms <= word.start_ms <= word.end_ms <= segment.end_ms
    for before, after in itertools.pairwise(segments):
        assert before.end_ms <= after.start_ms
    for before, after in itertools.pairwise(all_words(segments)):
        assert before.end_ms <= after.start_ms
