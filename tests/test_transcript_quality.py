"""What a transcript says about itself, on real speech: each segment's confidence from its
own words, its no-speech probability and compression ratio, repeats over silence dropped
(and real repeats kept), each stretch of speech in its own language."""

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.quality_runs import analyze_file
from schemas.payloads.transcript import TranscriptSegment, Word
from support.quality import word_error_rate, words_only
from support.synthetic import write_joined_speech
from tests.support.transcripts import JFK, PHRASE, assert_in_order_and_inside
from workers.analyzers.speech_segments import (
    MAX_REPEAT_SECONDS_PER_WORD,
    RepeatFilter,
    words_confidence,
)

DATA = Path(__file__).parent / "data"
AUSTEN = DATA / "austen.flac"
CASTELLANO = DATA / "castellano-espeak.flac"  # synthetic speech (espeak-ng), labelled so
JFK_SAID = (
    "and so my fellow americans ask not what your country can do for you "
    "ask what you can do for your country"
)


def transcript(profile: str, path: Path) -> list[TranscriptSegment]:
    return [segment for segment in analyze_file("transcript", profile, path)]  # type: ignore[misc]


def test_segments_of_a_real_recording_carry_their_own_confidence() -> None:
    segments = transcript("fast", AUSTEN)
    assert len(segments) >= 5
    confidences = [segment.confidence for segment in segments]
    assert len(set(confidences)) == len(confidences)  # before: one value per 30 s decode
    for segment in segments:
        assert segment.confidence == pytest.approx(words_confidence(segment.words, 0.0))
        assert segment.no_speech_prob is not None and 0.0 <= segment.no_speech_prob <= 1.0
        assert segment.compression_ratio is not None and segment.compression_ratio > 0.0
        assert segment.words and segment.words[0].start_ms >= segment.start_ms
    assert_in_order_and_inside(segments, 26_730)


def test_a_sentence_said_twice_after_a_pause_is_kept_twice(tmp_path: Path) -> None:
    twice = write_joined_speech(tmp_path / "twice.flac", [JFK, JFK], pause_s=20.0)
    segments = transcript("fast", twice)
    said = words_only(" ".join(segment.text for segment in segments))
    # (tiny.en sometimes hears "asked not": Whisper falls back to sampling when unsure)
    assert len(re.findall("my fellow americans", said)) == 2
    assert word_error_rate(2 * (JFK_SAID + " "), said) <= 0.1


def test_each_stretch_of_speech_is_decoded_in_its_own_language(tmp_path: Path) -> None:
    """JFK, two seconds of silence, then a Spanish sentence (synthetic speech, espeak-ng):
    one language for all dropped the second stretch, whichever came first."""
    for order in ([JFK, CASTELLANO], [CASTELLANO, JFK]):
        path = write_joined_speech(tmp_path / f"{order[0].stem}-first.flac", order)
        segments = transcript("balanced", path)
        by_language = {
            language: " ".join(s.text for s in segments if s.language == language)
            for language in {s.language for s in segments}
        }
        assert set(by_language) == {"en", "es"}
        assert PHRASE in words_only(by_language["en"])
        assert "castellano" in by_language["es"].casefold()


def said(start_ms: int, end_ms: int, text: str, no_speech: float = 0.05) -> TranscriptSegment:
    words = text.split()
    step = (end_ms - start_ms) // len(words)
    return TranscriptSegment(
        start_ms=start_ms,
        end_ms=end_ms,
        text=text,
        language="en",
        confidence=0.8,
        no_speech_prob=no_speech,
        words=[
            Word(
                start_ms=start_ms + i * step,
                end_ms=start_ms + (i + 1) * step,
                word=w,
                probability=0.8,
            )
            for i, w in enumerate(words)
        ],
    )


def kept(segments: list[TranscriptSegment]) -> list[TranscriptSegment]:
    repeats = RepeatFilter()
    return [segment for segment in segments if repeats.keep(segment)]


def test_a_repeat_stretched_over_silence_is_dropped() -> None:
    first = said(0, 900, "Yes, indeed.")
    over_silence = said(1_000, 8_000, "yes indeed")  # two words in 7 s
    unsure = said(1_000, 1_900, "Yes, indeed!", no_speech=0.9)
    again_at_pace = said(1_000, 1_900, "Yes, indeed.")
    assert kept([first, over_silence]) == [first]
    assert kept([first, unsure]) == [first]
    assert kept([first, again_at_pace]) == [first, again_at_pace]


@given(
    texts=st.lists(
        st.sampled_from(["yes indeed", "no", "thank you very much", "ask not"]), max_size=12
    ),
    stretched=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_only_a_repeat_of_the_segment_kept_before_is_ever_dropped(
    texts: list[str], stretched: list[bool]
) -> None:
    segments = []
    for index, text in enumerate(texts):
        words = len(text.split())
        length = int(words * 1000 * (MAX_REPEAT_SECONDS_PER_WORD + 1 if stretched[index] else 0.4))
        segments.append(said(index * 20_000, index * 20_000 + length, text))
    result = kept(segments)
    dropped = [segment for segment in segments if segment not in result]
    for segment in dropped:
        before = [s for s in result if s.start_ms < segment.start_ms]
        assert before and words_only(before[-1].text) == words_only(segment.text)
        assert (segment.end_ms - segment.start_ms) / len(
            segment.words
        ) / 1000 > MAX_REPEAT_SECONDS_PER_WORD
    # a text never said just before always stays
    assert all(s in result for i, s in enumerate(segments) if i == 0 or texts[i - 1] != texts[i])


def test_confidence_is_the_geometric_mean_of_the_words() -> None:
    words = [Word(start_ms=0, end_ms=1, word="a", probability=p) for p in (0.9, 0.4, 1.0)]
    assert words_confidence(words, 0.5) == pytest.approx(
        math.exp(sum(map(math.log, (0.9, 0.4, 1.0))) / 3)
    )
    assert words_confidence([], 0.5) == 0.5
