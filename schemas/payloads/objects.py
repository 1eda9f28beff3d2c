from typing import Annotated, ClassVar

from pydantic import Field

from schemas.base import BoundingBox, Confidence, InstantPayload, NonEmptyText


class ObjectDetection(InstantPayload):
    ARTIFACT_TYPE: ClassVar[str] = "object.detection"

    label: NonEmptyText
    class_id: Annotated[int, Field(strict=True, ge=0)]
    confidence: Confidence
    bbox: BoundingBox
    track_id: Annotated[int, Field(strict=True, ge=0)] | None = None
