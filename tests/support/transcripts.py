"""Checks on transcripts: the words said, how far two transcripts differ, and the
timeline's order."""

import itertools
from pathlib import Path

from schemas.payloads.transcript import TranscriptSegment, Word

JFK = Path(__file__).parent.parent / "data" / "jfk.flac"
PHRASE = "ask not what your country can do for you"


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
