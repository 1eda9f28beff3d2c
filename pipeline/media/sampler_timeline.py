"""What the frame sampler learns from demuxing a whole video, taken from the persisted
packet table instead: frames in presentation order with their PTS, the keyframe each
frame is decoded from, the demuxer timestamp to seek to for each keyframe, and each
frame's byte offsets."""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pipeline.media.offsets import PacketTable


@dataclass(frozen=True)
class FrameTimeline:
    """Frame n is the n-th in presentation order. ``pts`` is relative to the stream start
    (``origin`` in the container's timestamps), in ``time_base`` units; ``end`` is where
    the last frame stops being shown; ``keyframe_of[n]`` is the frame decoding must start
    from to get frame n and ``seek_keys`` maps such a frame to the DTS to seek to;
    ``offsets[n]`` / ``irap_offsets[n]`` are frame n's entry of the offsets file."""

    pts: list[int]
    end: int
    time_base: Fraction
    origin: int
    keyframe_of: list[int]
    seek_keys: dict[int, int]
    timed: bool
    offsets: list[int]
    irap_offsets: list[int]


def frame_timeline(table: PacketTable) -> FrameTimeline:
    scan, order = table.scan, table.presentation
    offsets = scan.source.offsets
    frame_of_packet = np.full(len(offsets), -1, np.int64)
    frame_of_packet[order] = np.arange(len(order))
    irap_packets = np.searchsorted(offsets, scan.irap_offsets[order])
    # a keyframe that is never shown (cut by an edit list) leaves only the stream start
    keyframe_of = np.maximum(frame_of_packet[irap_packets], 0)
    starts = np.unique(np.append(keyframe_of, 0))
    seek_keys = (
        dict(zip(starts.tolist(), scan.dts[order[starts]].tolist(), strict=True))
        if scan.timed
        else {0: 0}
    )
    last = int(order[-1]) if len(order) else 0
    end_pts = int(table.frame_pts[-1]) + int(scan.durations[last]) if len(order) else 0
    return FrameTimeline(
        pts=table.frame_pts.tolist(),
        end=end_pts if scan.timed else len(order),
        time_base=table.time_base,
        origin=table.origin,
        keyframe_of=keyframe_of.tolist(),
        seek_keys=seek_keys,
        timed=scan.timed,
        offsets=offsets[order].tolist(),
        irap_offsets=scan.irap_offsets[order].tolist(),
    )
