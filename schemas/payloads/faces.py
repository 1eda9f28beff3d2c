from typing import ClassVar

from pydantic import Field

from schemas.base import BoundingBox, Confidence, InstantPayload, Point, SmallIndex


class FaceDetection(InstantPayload):
    """A face on one frame. Its 128-d embedding is stored beside the artifact, not in it."""

    ARTIFACT_TYPE: ClassVar[str] = "face.detection"

    confidence: Confidence
    bbox: BoundingBox
    landmarks: list[Point] = Field(default_factory=list, max_length=68)
    cluster_id: SmallIndex | None = None
