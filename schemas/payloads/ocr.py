from typing import ClassVar

from pydantic import Field

from schemas.base import MAX_INT32, Confidence, NonEmptyText, Point, SpanPayload, StrictModel


class OcrWord(StrictModel):
    """One box EasyOCR read inside a line: a word, or several words it read as one."""

    text: NonEmptyText
    confidence: Confidence
    polygon: list[Point] = Field(min_length=3)


class OcrVariant(StrictModel):
    """Another reading of the same line, and on how many samples it was read so."""

    text: NonEmptyText
    count: int = Field(strict=True, ge=1, le=MAX_INT32)


class OcrText(SpanPayload):
    """One line of on-screen text, from the first sample it was read on to the last: the
    reading most samples agree on (on ``reads`` samples), with the words and box of its
    most confident read; the other readings are ``variants``. ``words``, ``variants`` and
    ``reads`` are empty in artifacts written before lines were voted over time (ocr
    engine 2 and earlier), whose ``text`` is one box EasyOCR read."""

    ARTIFACT_TYPE: ClassVar[str] = "ocr.text"

    text: NonEmptyText
    confidence: Confidence
    polygon: list[Point] = Field(min_length=3)
    words: list[OcrWord] = Field(default_factory=list)
    variants: list[OcrVariant] = Field(default_factory=list)
    reads: int | None = Field(default=None, strict=True, ge=1, le=MAX_INT32)
