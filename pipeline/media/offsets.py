"""Index a video's packets by byte offset: one demux pass over the best video stream,
nothing decoded (except for a raw elementary stream, see ``build_packet_table``).

Every offset is the position of the packet's own bytes in the file, checked against the
bytes the demuxer returned. Matroska reports the position of the block that holds the
frame, a few header bytes before its data; the data is found right after it. A packet
without a position fails the whole index: an offset is never guessed.
"""

import mmap
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from pipeline.media.display import DisplayGeometry, geometry_of, pixel_aspect_of
from pipeline.media.errors import MediaError
from pipeline.media.offsets_file import OffsetIndex
from pipeline.media.packet_decoder import PacketSource, decoded_frames

UNKNOWN_TS = np.iinfo(np.int64).min  # timestamps may be negative: -1 is a real one

# Matroska block header (track number, timecode, flags, lacing sizes) before a frame's data
BLOCK_HEADER_WINDOW = 64


@dataclass(frozen=True)
class PacketScan:
    """The video packets in file (decode) order, as the demuxer reports them. ``pts`` and
    ``dts`` fall back on each other; both are unknown in a raw elementary stream."""

    source: PacketSource
    irap_offsets: np.ndarray  # int64
    pts: np.ndarray  # int64, UNKNOWN_TS where unknown
    dts: np.ndarray  # int64, UNKNOWN_TS where unknown
    durations: np.ndarray  # int64
    discarded: np.ndarray  # bool: cut by an edit list, never shown
    time_base: Fraction
    start_time: int | None
    frame_rate: Fraction
    container: str
    geometry: DisplayGeometry  # how the decoded pictures are shown (pixel aspect, rotation)

    @property
    def timed(self) -> bool:
        return bool(len(self.pts)) and bool(np.all(self.pts != UNKNOWN_TS))

    def offset_index(self, video_url: str) -> OffsetIndex:
        return OffsetIndex(video_url, self.source.offsets, self.irap_offsets)


def scan_packets(path: str) -> PacketScan:
    """Raises MediaError when the file cannot be indexed (unreadable, no video stream,
    a packet without byte position, packets not stored in decode order)."""
    try:
        container = av.open(path)
    except av.error.FFmpegError as exc:
        raise MediaError("unreadable_media", f"{path}: not a readable media file ({exc})") from exc
    with container, open(path, "rb") as handle:
        stream = container.streams.best("video")
        if stream is None:
            raise MediaError("no_video_stream", f"{path}: has no video stream")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            rows = _packet_rows(path, container, stream, data)
        if not rows:
            raise MediaError("no_frames", f"{path}: the video stream has no packets")
        columns = [np.array(column) for column in zip(*rows, strict=True)]
        offsets, sizes, pts, dts, durations, keyframes, discarded = columns
        _check_indexable(path, container.format.name, offsets, keyframes)
        codec = stream.codec_context
        return PacketScan(
            source=PacketSource(path, codec.name, bytes(codec.extradata or b""), offsets, sizes),
            irap_offsets=np.maximum.accumulate(np.where(keyframes, offsets, -1)),
            pts=np.where(pts != UNKNOWN_TS, pts, dts),
            dts=np.where(dts != UNKNOWN_TS, dts, pts),
            durations=durations,
            discarded=discarded,
            time_base=Fraction(stream.time_base or Fraction(1, 90000)),
            start_time=stream.start_time,
            frame_rate=Fraction(stream.average_rate or stream.guessed_rate or 25),
            container=container.format.name,
            geometry=_display_geometry(path),
        )


def _display_geometry(path: str) -> DisplayGeometry:
    """The rotation is only known from a decoded frame (the decoder attaches the stream's
    display matrix to it): decode the first one, as probing does."""
    with av.open(path) as container:
        stream = container.streams.best("video")
        first = next(container.decode(stream), None)
        if first is None:
            return DisplayGeometry(pixel_aspect_of(stream), 0)
        return geometry_of(stream, first)


_Row = tuple[int, int, int, int, int, bool, bool]  # offset, size, pts, dts, duration, key, discard


def _packet_rows(
    path: str, container: av.container.InputContainer, stream: av.VideoStream, data: mmap.mmap
) -> list[_Row]:
    rows: list[_Row] = []
    try:
        for packet in container.demux(stream):
            if not packet.size:
                continue  # the end-of-stream marker
            if packet.pos is None or packet.pos < 0:
                raise MediaError(
                    "no_byte_positions",
                    f"{path}: the {container.format.name} demuxer gives no byte position for"
                    f" video packet {len(rows)}; this file cannot be indexed by offset",
                )
            rows.append(
                (
                    _data_offset(path, data, packet),
                    packet.size,
                    UNKNOWN_TS if packet.pts is None else packet.pts,
                    UNKNOWN_TS if packet.dts is None else packet.dts,
                    packet.duration or 0,
                    packet.is_keyframe,
                    packet.is_discard,
                )
            )
    except av.error.FFmpegError as exc:
        raise MediaError("unreadable_media", f"{path}: demuxing failed ({exc})") from exc
    return rows


def _data_offset(path: str, data: mmap.mmap, packet: av.Packet) -> int:
    """Where the packet's bytes start: at its reported position, or within the container's
    block header just after it."""
    payload, position = bytes(packet), int(packet.pos)
    if data[position : position + len(payload)] == payload:
        return position
    found = data.find(payload, position, position + BLOCK_HEADER_WINDOW + len(payload))
    if found < 0:
        raise MediaError(
            "no_byte_positions",
            f"{path}: the bytes of the video packet at position {position} are not stored"
            " verbatim in the file (compressed or split by the container); cannot index it",
        )
    return found


def _check_indexable(path: str, container: str, offsets: np.ndarray, keyframes: np.ndarray) -> None:
    if np.any(np.diff(offsets) <= 0):
        raise MediaError(
            "unordered_packets",
            f"{path}: the {container} file does not store its video packets in decode order;"
            " cannot index it by offset",
        )
    if not keyframes[0]:
        raise MediaError(
            "no_leading_keyframe",
            f"{path}: the video stream does not start with a keyframe; its first frames"
            " cannot be decoded on their own",
        )


@dataclass(frozen=True)
class PacketTable:
    """A scan plus the presentation order: frame n (presentation order, the numbering of
    every artifact) is packet ``presentation[n]`` (file order) and is shown at
    ``frame_pts[n]`` ``time_base`` units after the stream start (which is ``origin`` in
    the container's timestamps). An untimed stream is timed by its nominal frame rate."""

    scan: PacketScan
    presentation: np.ndarray  # int64 packet positions, one per shown frame
    frame_pts: np.ndarray  # int64
    time_base: Fraction
    origin: int

    @property
    def frame_count(self) -> int:
        return len(self.presentation)

    @property
    def source(self) -> PacketSource:
        return self.scan.source


def build_packet_table(scan: PacketScan) -> PacketTable:
    """Orders the packets by PTS. A raw elementary stream has no timestamps: it is decoded
    once, and the order its frames come out of the decoder is their presentation order."""
    if scan.timed:
        shown = np.flatnonzero(~scan.discarded)
        order = shown[np.lexsort((scan.dts[shown], scan.pts[shown]))]
        origin = scan.start_time if scan.start_time is not None else int(scan.pts[order[0]])
        return PacketTable(scan, order, scan.pts[order] - origin, scan.time_base, origin)
    order = np.fromiter(
        (position for position, _ in decoded_frames(scan.source, range(len(scan.source)))),
        np.int64,
    )
    frame_pts = np.arange(len(order), dtype=np.int64)
    return PacketTable(scan, order, frame_pts, 1 / scan.frame_rate, 0)


def index_file(path: Path) -> PacketTable:
    return build_packet_table(scan_packets(str(path)))
