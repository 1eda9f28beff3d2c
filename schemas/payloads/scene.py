from typing import ClassVar, Self

from pydantic import model_validator

from schemas.base import FrameIndex, SpanPayload


class Scene(SpanPayload):
    """One shot between two cuts; frames are [start_frame, end_frame) in decode order."""

    ARTIFACT_TYPE: ClassVar[str] = "scene"

    scene_index: FrameIndex
    start_frame: FrameIndex
    end_frame: FrameIndex

    @model_validator(mode="after")
    def _frames_ordered(self) -> Self:
        if self.start_frame > self.end_frame:
            raise ValueError(
                f"start_frame ({self.start_frame}) is after end_frame ({self.end_frame})"
            )
        return self
