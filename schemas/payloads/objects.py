from typing import ClassVar

from schemas.base import BoundingBox, Confidence, InstantPayload, NonEmptyText, SmallIndex


class ObjectDetection(InstantPayload):
    ARTIFACT_TYPE: ClassVar[str] = "object.detection"

    label: NonEmptyText
    class_id: SmallIndex
    confidence: Confidence
    bbox: BoundingBox
    track_id: SmallIndex | None = None
