from typing import ClassVar

from pydantic import Field

from schemas.base import Confidence, Interval, SpanPayload, Text


class Word(Interval):
    word: Text
    probability: Confidence


class TranscriptSegment(SpanPayload):
    ARTIFACT_TYPE: ClassVar[str] = "transcript.segment"

    text: Text
    language: Text = Field(min_length=2, max_length=16)
    confidence: Confidence
    words: list[Word] = Field(default_factory=list)
    # None in segments stored before they were recorded (analyzer version 1).
    no_speech_prob: Confidence | None = None
    compression_ratio: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
