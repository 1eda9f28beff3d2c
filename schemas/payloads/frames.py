from enum import StrEnum
from typing import ClassVar

from schemas.base import Confidence, InstantPayload, Text


class FrameKind(StrEnum):
    DARK = "Dark"
    BRIGHT = "Bright"
    MOTION = "Motion"
    USER = "User"
    RANDOM = "Random"


class FrameSelection(InstantPayload):
    """A representative frame chosen for a reason (``kind``, the selection file's
    ``type``) with a score in [0, 1]; ``source`` is the engine tag (name/version),
    ``clip_role`` the clip whose metrics chose it, ``notes`` the metrics behind it."""

    ARTIFACT_TYPE: ClassVar[str] = "frame.selection"

    kind: FrameKind
    score: Confidence
    source: Text | None = None
    clip_role: Text | None = None
    notes: Text | None = None
