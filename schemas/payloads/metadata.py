from typing import Annotated, ClassVar

from pydantic import Field

from schemas.base import Milliseconds, Payload


class VideoMetadata(Payload):
    """What probing the container found; spans the whole video."""

    ARTIFACT_TYPE: ClassVar[str] = "video.metadata"

    duration_ms: Milliseconds
    fps: Annotated[float, Field(gt=0)]
    width: Annotated[int, Field(strict=True, gt=0)]
    height: Annotated[int, Field(strict=True, gt=0)]
    frame_count: Annotated[int, Field(strict=True, ge=0)]
    container: str
    video_codec: str
    audio_codec: str | None = None
    size_bytes: Annotated[int, Field(strict=True, ge=0)]

    def span_ms(self) -> tuple[int, int]:
        return 0, self.duration_ms
