"""What a transcript segment says about itself, from its own words, and which segments
are Whisper talking over silence rather than someone speaking.

Whisper's ``avg_logprob`` belongs to the whole 30 s it decoded at once, so every segment
of a stretch carried the same confidence; a segment's words carry their own.
"""

import math
import re
import zlib
from collections.abc import Sequence

from schemas.payloads.transcript import TranscriptSegment, Word

# A word takes a fraction of a second to say. A segment repeating the last one word for
# word, stretched over more than this per word, is Whisper filling silence (a two-word
# "Yes, indeed." over 7 s), not someone saying it twice.
MAX_REPEAT_SECONDS_PER_WORD = 1.5
# Whisper's own no-speech probability past which a repeat is not believed either.
MAX_REPEAT_NO_SPEECH = 0.6
LOWEST_PROBABILITY = 1e-6  # log(0) is -inf: a certain "no" counts as this


def words_confidence(words: Sequence[Word], fallback: float) -> float:
    """The geometric mean of the segment's word probabilities (each itself the mean of its
    tokens'): 1.0 when Whisper was sure of every word, pulled down by any it guessed.
    ``fallback`` where the segment has no words."""
    if not words:
        return fallback
    logs = [math.log(max(word.probability, LOWEST_PROBABILITY)) for word in words]
    return min(max(math.exp(sum(logs) / len(logs)), 0.0), 1.0)


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure (its ``get_compression_ratio``) on the segment's own
    text: bytes over zlib-compressed bytes; text that repeats itself compresses well."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _said(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


class RepeatFilter:
    """Feed it the segments in time order; it says which to keep. A segment that repeats
    the one kept before it word for word is dropped when it stretches its words over
    silence or Whisper itself doubts there was speech; said again at a speaking pace it
    stays (people do repeat themselves)."""

    def __init__(self) -> None:
        self._last_said = ""

    def keep(self, segment: TranscriptSegment) -> bool:
        said = _said(segment.text)
        if said and said == self._last_said and _over_silence(segment):
            return False
        self._last_said = said
        return True


def _over_silence(segment: TranscriptSegment) -> bool:
    words = max(len(segment.words), len(segment.text.split()), 1)
    seconds_per_word = (segment.end_ms - segment.start_ms) / 1000 / words
    no_speech = segment.no_speech_prob or 0.0
    return seconds_per_word > MAX_REPEAT_SECONDS_PER_WORD or no_speech > MAX_REPEAT_NO_SPEECH
