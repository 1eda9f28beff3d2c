from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from schemas.base import Confidence, Milliseconds, SpanPayload, StrictModel, Text, check_not_before


class Word(StrictModel):
    word: Text
    start_ms: Milliseconds
    end_ms: Milliseconds
    probability: Confidence

    @field_validator("end_ms")
    @classmethod
    def _end_not_before_start(cls, value: int, info: ValidationInfo) -> int:
        return check_not_before(value, info, "start_ms")


class TranscriptSegment(SpanPayload):
    ARTIFACT_TYPE: ClassVar[str] = "transcript.segment"

    text: Text
    language: Text = Field(min_length=2, max_length=16)
    confidence: Confidence
    words: list[Word] = Field(default_factory=list)
