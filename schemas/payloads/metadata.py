from typing import Annotated, ClassVar

from pydantic import Field

from schemas.base import (
    MAX_INT32,
    MAX_JSON_SAFE_INT,
    FrameIndex,
    Milliseconds,
    Payload,
    Text,
)


class VideoMetadata(Payload):
    """What probing the container found; spans the whole video."""

    ARTIFACT_TYPE: ClassVar[str] = "video.metadata"

    duration_ms: Milliseconds
    fps: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
    width: Annotated[int, Field(strict=True, gt=0, le=MAX_INT32)]
    height: Annotated[int, Field(strict=True, gt=0, le=MAX_INT32)]
    frame_count: FrameIndex
    container: Text
    video_codec: Text
    audio_codec: Text | None = None
    size_bytes: Annotated[int, Field(strict=True, ge=0, le=MAX_JSON_SAFE_INT)]

    def span_ms(self) -> tuple[int, int]:
        return 0, self.duration_ms
