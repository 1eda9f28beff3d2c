"""The frame offsets format: where each frame's packet and the keyframe (IRAP) needed to
decode it start in the video file, so a client can decode any frame without reading the
file from its start.

    {"video_url": "fs:///abs/clip.mp4", "frames": [{"offset": 48, "irap_offset": 48}, ...]}

One entry per packet of the video stream in file (decode) order. A frame's index in this
file is its position in ``frames``; the frame count is the array's length. A keyframe is
an entry whose ``offset`` equals its ``irap_offset``; every other entry points at the
most recent keyframe before it. Offsets strictly increase.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator

from schemas.base import MAX_JSON_SAFE_INT, NonEmptyText, StrictModel

if TYPE_CHECKING:
    import numpy as np

ByteOffset = Annotated[int, Field(strict=True, ge=0, le=MAX_JSON_SAFE_INT)]

LEGACY_FIELDS = frozenset({"frame_count", "iraps"})
REGENERATE_HINT = "regenerate it with `eioku frames index VIDEO`"


class LegacyOffsetsFormatError(ValueError):
    """A file in the old nested format (frames grouped by IRAP)."""

    def __init__(self) -> None:
        super().__init__(
            "offsets file is in the old nested format (frame_count, iraps: [{offset, frames}]),"
            f" which is no longer read; {REGENERATE_HINT}"
        )


def reject_legacy_format(document: Any) -> None:
    if isinstance(document, Mapping) and LEGACY_FIELDS & document.keys():
        raise LegacyOffsetsFormatError()


def offsets_problem(offsets: "np.ndarray", irap_offsets: "np.ndarray") -> str | None:
    """Why two int64 arrays (file order) are not a valid index, or None when they are."""
    import numpy as np  # only when an index is checked: the API starts without numpy

    if offsets.shape != irap_offsets.shape:
        return "offset and irap_offset arrays differ in length"
    if not len(offsets):
        return None
    if offsets[0] < 0:
        return "offsets must not be negative"
    decreasing = np.flatnonzero(np.diff(offsets) <= 0)
    if len(decreasing):
        return f"offsets must strictly increase (frame {decreasing[0] + 1} does not)"
    keyframes = offsets == irap_offsets
    if not keyframes[0]:
        return "the first frame must be a keyframe (offset == irap_offset)"
    expected = np.maximum.accumulate(np.where(keyframes, offsets, -1))
    wrong = np.flatnonzero(irap_offsets != expected)
    if len(wrong):
        return (
            f"frame {wrong[0]}: irap_offset {irap_offsets[wrong[0]]} is not the offset of"
            f" the most recent keyframe ({expected[wrong[0]]})"
        )
    return None


class FrameOffset(StrictModel):
    offset: ByteOffset
    irap_offset: ByteOffset


class FrameOffsets(StrictModel):
    """The offsets file. Validation checks the whole index, not only each entry."""

    video_url: NonEmptyText = Field(
        description="where the indexed bytes are: fs:// + absolute path, s3://bucket/key, ..."
    )
    frames: list[FrameOffset]

    @model_validator(mode="before")
    @classmethod
    def _not_legacy(cls, data: Any) -> Any:
        reject_legacy_format(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "FrameOffsets":
        import numpy as np

        offsets = np.fromiter((f.offset for f in self.frames), np.int64, len(self.frames))
        iraps = np.fromiter((f.irap_offset for f in self.frames), np.int64, len(self.frames))
        problem = offsets_problem(offsets, iraps)
        if problem is not None:
            raise ValueError(problem)
        return self
