from typing import ClassVar

from pydantic import Field

from schemas.base import Confidence, NonEmptyText, Point, SpanPayload


class OcrText(SpanPayload):
    """One piece of on-screen text, from the first sample it was seen on to the last."""

    ARTIFACT_TYPE: ClassVar[str] = "ocr.text"

    text: NonEmptyText
    confidence: Confidence
    polygon: list[Point] = Field(min_length=3)
