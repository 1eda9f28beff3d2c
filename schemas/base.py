"""Building blocks shared by every payload model: strict config and constrained scalar types."""

from abc import abstractmethod
from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Milliseconds = Annotated[int, Field(strict=True, ge=0)]
FrameIndex = Annotated[int, Field(strict=True, ge=0)]
Pixels = Annotated[float, Field(ge=0)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
NonEmptyText = Annotated[str, Field(min_length=1)]


class StrictModel(BaseModel):
    """Unknown fields are rejected; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Payload(StrictModel):
    """A versioned artifact payload. Subclasses name their artifact type and version and
    say which of their fields carry the artifact's time span."""

    ARTIFACT_TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    @abstractmethod
    def span_ms(self) -> tuple[int, int]:
        """The closed [start, end] interval in milliseconds that the artifact covers."""


class SpanPayload(Payload):
    """A payload that covers the closed interval [start_ms, end_ms]."""

    start_ms: Milliseconds
    end_ms: Milliseconds

    @model_validator(mode="after")
    def _start_not_after_end(self) -> Self:
        if self.start_ms > self.end_ms:
            raise ValueError(f"start_ms ({self.start_ms}) is after end_ms ({self.end_ms})")
        return self

    def span_ms(self) -> tuple[int, int]:
        return self.start_ms, self.end_ms


class InstantPayload(Payload):
    """A payload observed on one frame at one instant."""

    frame_index: FrameIndex
    timestamp_ms: Milliseconds

    def span_ms(self) -> tuple[int, int]:
        return self.timestamp_ms, self.timestamp_ms


class BoundingBox(StrictModel):
    """Axis-aligned box in source-video pixels: top-left corner plus size."""

    x: Pixels
    y: Pixels
    width: Pixels
    height: Pixels


class Point(StrictModel):
    x: Pixels
    y: Pixels
