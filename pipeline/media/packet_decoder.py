"""Decode video packets read straight from the file at their byte offsets: no demuxer,
no seek by timestamp. Each packet is tagged with its position in file order, which the
decoder hands on to the frame it produces (also when B-frames reorder them)."""

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import av
import av.error
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PacketSource:
    """Where a video stream's packets are (file order) and how to decode them."""

    path: str
    codec: str
    extradata: bytes  # codec setup the container keeps outside the packets (avcC, hvcC)
    offsets: np.ndarray  # int64, strictly increasing
    sizes: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.offsets)


def decoded_frames(
    source: PacketSource, positions: Iterable[int]
) -> Iterator[tuple[int, av.VideoFrame]]:
    """(packet position, frame) for the frames the packets at ``positions`` decode to, in
    presentation order; the decoder is drained at the end. A packet that fails to decode
    is dropped (its frame never appears)."""
    decoder = av.CodecContext.create(source.codec, "r")
    if source.extradata:
        decoder.extradata = source.extradata
    descriptor = os.open(source.path, os.O_RDONLY)
    try:
        for position in positions:
            data = os.pread(descriptor, int(source.sizes[position]), int(source.offsets[position]))
            packet = av.Packet(data)
            packet.pts = packet.dts = position
            yield from _decode(source, decoder, packet)
        yield from _decode(source, decoder, None)
    finally:
        os.close(descriptor)


def _decode(
    source: PacketSource, decoder: av.CodecContext, packet: av.Packet | None
) -> Iterator[tuple[int, av.VideoFrame]]:
    try:
        frames = decoder.decode(packet)
    except av.error.FFmpegError as exc:
        log.debug("%s: packet %s does not decode: %s", source.path, packet and packet.pts, exc)
        return
    for frame in frames:
        if frame.pts is not None:
            yield frame.pts, frame
