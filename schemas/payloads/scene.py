from typing import ClassVar

from pydantic import ValidationInfo, field_validator

from schemas.base import FrameIndex, SmallIndex, SpanPayload, check_not_before


class Scene(SpanPayload):
    """One shot between two cuts; frames are [start_frame, end_frame) in decode order."""

    ARTIFACT_TYPE: ClassVar[str] = "scene"

    scene_index: SmallIndex
    start_frame: FrameIndex
    end_frame: FrameIndex

    # named apart from SpanPayload's end_ms check, which a method of the same name would
    # replace
    @field_validator("end_frame")
    @classmethod
    def _end_frame_not_before_start_frame(cls, value: int, info: ValidationInfo) -> int:
        return check_not_before(value, info, "start_frame")
