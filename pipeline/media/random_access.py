"""One frame of a video through its packet table: read the packets from the keyframe
(IRAP) the frame needs up to the frame's own, by byte offset, and decode only those.
Frames come as displayed (pixel aspect and rotation applied), like the frame sampler's."""

from contextlib import closing

import av
import numpy as np

from pipeline.errors import EiokuError, ErrorKind
from pipeline.media.offsets import PacketTable
from pipeline.media.packet_decoder import decoded_frames


class NotAnIndexEntryError(EiokuError, ValueError):
    """An (offset, irap_offset) pair that is not an entry of the video's index."""

    code = "not_an_index_entry"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, message: str) -> None:
        super().__init__(message, "offset")


class IndexedFrames:
    def __init__(self, table: PacketTable) -> None:
        self._table = table
        self._keyframes = np.flatnonzero(table.scan.source.offsets == table.scan.irap_offsets)

    @property
    def frame_count(self) -> int:
        return self._table.frame_count

    def frame(self, frame_index: int) -> np.ndarray | None:
        """Frame ``frame_index`` in presentation order as RGB; None past the end or when it
        does not decode."""
        if not 0 <= frame_index < self.frame_count:
            return None
        return self._displayed(self._decode(int(self._table.presentation[frame_index])))

    def frame_at_offsets(self, offset: int, irap_offset: int) -> np.ndarray | None:
        """The frame whose packet starts at ``offset``, decoded from ``irap_offset``.
        Raises NotAnIndexEntryError unless the pair is an entry of the index."""
        offsets = self._table.source.offsets
        position = int(np.searchsorted(offsets, offset))
        if not (
            position < len(offsets)
            and offsets[position] == offset
            and self._table.scan.irap_offsets[position] == irap_offset
        ):
            raise NotAnIndexEntryError(
                f"no frame at offset {offset} with irap_offset {irap_offset} in the index"
            )
        return self._displayed(self._decode(position))

    def _displayed(self, frame: av.VideoFrame | None) -> np.ndarray | None:
        if frame is None:
            return None
        geometry = self._table.scan.geometry
        width, height = geometry.upright(*geometry.size(frame.width, frame.height))
        if (width, height) == (frame.width, frame.height):
            return geometry.turn(frame.to_ndarray(format="rgb24"))
        image = frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")
        return geometry.turn(image)

    def _decode(self, position: int) -> av.VideoFrame | None:
        """Decode from the packet's keyframe up to the next keyframe at most. A frame that
        needs the keyframe before that one (a leading picture of an open GOP) is tried
        again from there."""
        keyframe = int(np.searchsorted(self._keyframes, position, side="right")) - 1
        end = (
            int(self._keyframes[keyframe + 1])
            if keyframe + 1 < len(self._keyframes)
            else len(self._table.source)
        )
        for start in self._keyframes[max(keyframe - 1, 0) : keyframe + 1][::-1]:
            with closing(decoded_frames(self._table.source, range(int(start), end))) as frames:
                for decoded_position, frame in frames:
                    if decoded_position == position:
                        return frame
        return None
