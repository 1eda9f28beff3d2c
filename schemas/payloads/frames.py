from enum import StrEnum
from typing import ClassVar

from schemas.base import Confidence, InstantPayload


class FrameKind(StrEnum):
    DARK = "Dark"
    BRIGHT = "Bright"
    MOTION = "Motion"
    USER = "User"
    RANDOM = "Random"


class FrameSelection(InstantPayload):
    """A representative frame chosen for a reason (``kind``) with a score in [0, 1]."""

    ARTIFACT_TYPE: ClassVar[str] = "frame.selection"

    kind: FrameKind
    score: Confidence
