"""Each stretch of speech decoded in its own language. Whisper takes one language for
the audio it is given (from its first 30 s) and decodes everything in it: measured with
the multilingual ``base``, JFK's English followed two seconds later by a Spanish sentence
came out as English only, the Spanish dropped; the other way round, Spanish only.
(faster-whisper's ``multilingual=True`` detects per 30 s window: it decoded JFK's English
as Spanish.)

So the speech found by Silero VAD is asked its language chunk by chunk (one encoder pass
per chunk), consecutive chunks in one language make a stretch, and each stretch is
decoded in its language, its segments moved back onto the audio's timeline. Audio in one
language is decoded exactly as before, whole, with the language left to Whisper."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.media.audio import WHISPER_SAMPLE_RATE

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

# How sure a detection must be to start a stretch in another language.
MIN_LANGUAGE_PROBABILITY = 0.5
# Whisper's language detection needs some speech: shorter chunks join their neighbours.
MIN_DETECTED_SAMPLES = 2 * WHISPER_SAMPLE_RATE


@dataclass(frozen=True)
class Stretch:
    """Samples [start, end) of the audio, spoken in ``language`` (None: Whisper decides)."""

    start: int
    end: int
    language: str | None

    @property
    def offset_s(self) -> float:
        return self.start / WHISPER_SAMPLE_RATE


def language_stretches(model: "WhisperModel", samples: np.ndarray) -> list[Stretch]:
    """The audio cut into stretches of one language each, at the middle of the pauses
    where the language changes; one stretch with no language where it never does."""
    from faster_whisper.vad import get_speech_timestamps

    chunks = get_speech_timestamps(samples)
    languages = [_language(model, samples[chunk["start"] : chunk["end"]]) for chunk in chunks]
    known = [language for language in languages if language is not None]
    if len(set(known)) <= 1:
        return [Stretch(0, len(samples), None)]
    stretches: list[Stretch] = []
    current = known[0]
    start = 0
    for index, (chunk, language) in enumerate(zip(chunks, languages, strict=True)):
        if language is None or language == current:
            continue
        cut = (chunks[index - 1]["end"] + chunk["start"]) // 2
        stretches.append(Stretch(start, cut, current))
        start, current = cut, language
    stretches.append(Stretch(start, len(samples), current))
    return stretches


def _language(model: "WhisperModel", heard: np.ndarray) -> str | None:
    if len(heard) < MIN_DETECTED_SAMPLES:
        return None
    language, probability, _ = model.detect_language(audio=heard)
    return str(language) if probability >= MIN_LANGUAGE_PROBABILITY else None


@dataclass(frozen=True)
class ShiftedWord:
    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True)
class ShiftedSegment:
    """A segment decoded from a stretch, its times moved onto the whole audio."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: list[ShiftedWord]


def shifted(segments: Iterator[Any], offset_s: float) -> Iterator[ShiftedSegment]:
    for segment in segments:
        yield ShiftedSegment(
            start=segment.start + offset_s,
            end=segment.end + offset_s,
            text=segment.text,
            avg_logprob=segment.avg_logprob,
            no_speech_prob=segment.no_speech_prob,
            words=[
                ShiftedWord(word.start + offset_s, word.end + offset_s, word.word, word.probability)
                for word in segment.words or []
            ],
        )
