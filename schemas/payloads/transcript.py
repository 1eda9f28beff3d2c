from typing import ClassVar, Self

from pydantic import Field, model_validator

from schemas.base import Confidence, Milliseconds, SpanPayload, StrictModel


class Word(StrictModel):
    word: str
    start_ms: Milliseconds
    end_ms: Milliseconds
    probability: Confidence

    @model_validator(mode="after")
    def _start_not_after_end(self) -> Self:
        if self.start_ms > self.end_ms:
            raise ValueError(f"word start_ms ({self.start_ms}) is after end_ms ({self.end_ms})")
        return self


class TranscriptSegment(SpanPayload):
    ARTIFACT_TYPE: ClassVar[str] = "transcript.segment"

    text: str
    language: str = Field(min_length=2, max_length=16)
    confidence: Confidence
    words: list[Word] = Field(default_factory=list)
