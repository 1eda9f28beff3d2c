from typing import ClassVar

from pydantic import ValidationInfo, field_validator

from schemas.base import FrameIndex, SmallIndex, SpanPayload, check_not_before


class Scene(SpanPayload):
    """One shot between two cuts; frames are [start_frame, end_frame) in decode order."""

    ARTIFACT_TYPE: ClassVar[str] = "scene"

    scene_index: SmallIndex
    start_frame: FrameIndex
    end_frame: FrameIndex

    @field_validator("end_frame")
    @classmethod
    def _end_not_before_start(cls, value: int, info: ValidationInfo) -> int:
        return check_not_before(value, info, "start_frame")
