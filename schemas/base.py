"""Building blocks shared by every payload model: strict config and constrained scalar types.

Every value must be storable unchanged in JSON, PostgreSQL JSONB and the projection columns:
finite numbers, integers within the column ranges, and text without NUL characters."""

from abc import abstractmethod
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_INT32 = 2**31 - 1
MAX_JSON_SAFE_INT = 2**53 - 1  # largest integer every JSON reader keeps exact


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    return text


Text = Annotated[str, AfterValidator(_no_nul)]
NonEmptyText = Annotated[Text, Field(min_length=1)]
Milliseconds = Annotated[int, Field(strict=True, ge=0, le=MAX_JSON_SAFE_INT)]
FrameIndex = Annotated[int, Field(strict=True, ge=0, le=MAX_JSON_SAFE_INT)]
SmallIndex = Annotated[int, Field(strict=True, ge=0, le=MAX_INT32)]
Pixels = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Confidence = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]


class StrictModel(BaseModel):
    """Unknown fields are rejected; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_not_before(value: int, info: ValidationInfo, start_field: str) -> int:
    start = info.data.get(start_field)
    if start is not None and value < start:
        raise ValueError(f"is before {start_field} ({start})")
    return value


class Payload(StrictModel):
    """A versioned artifact payload. Subclasses name their artifact type and version and
    say which of their fields carry the artifact's time span."""

    ARTIFACT_TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    @abstractmethod
    def span_ms(self) -> tuple[int, int]:
        """The closed [start, end] interval in milliseconds that the artifact covers."""


class Interval(StrictModel):
    """The closed interval [start_ms, end_ms]."""

    start_ms: Milliseconds
    end_ms: Milliseconds

    @field_validator("end_ms")
    @classmethod
    def _end_not_before_start(cls, value: int, info: ValidationInfo) -> int:
        return check_not_before(value, info, "start_ms")


class SpanPayload(Payload, Interval):
    """A payload that covers the closed interval [start_ms, end_ms]."""

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
