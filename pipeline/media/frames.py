"""Decode only the frames an analyzer asks for.

Opening a sampler demuxes the video packets once without decoding them (cheap: no
pixels are produced) and sorts them by PTS. That index gives every frame its exact
index and presentation time, also on variable-frame-rate video, and tells where the
keyframes are. Sampling then seeks to the keyframe before a wanted frame and decodes
forward from there, or keeps decoding when no keyframe lies in between.

A stream without timestamps (a raw ``.h264`` file) cannot be seeked: it is decoded
sequentially and its frames are timed by the nominal frame rate.

Decoding costs what it must: a packet that is no wanted frame is decoded only when other
frames need it (the decoder skips it when it is no reference frame, ``skip_frame``
NONREF).
"""

import bisect
import logging
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import TracebackType
from typing import NamedTuple

import av
import av.error
import numpy as np

from pipeline.media.display import DisplayGeometry, pixel_aspect_of, quarter_turns_of
from pipeline.media.errors import MediaError
from pipeline.media.probe import declared_duration_ms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampledFrame:
    """A frame as displayed (pixel aspect and rotation applied), possibly scaled down.
    ``display_width`` x ``display_height`` is its full displayed size, the coordinate
    space of every box and polygon an analyzer reports."""

    frame_index: int  # the frame's position in presentation order from the stream start
    timestamp_ms: int  # presentation time from PTS, relative to the stream start
    image: np.ndarray  # RGB uint8 HxWx3, downscaled so max(H, W) <= max_side when set
    display_width: int
    display_height: int

    @property
    def scale_x(self) -> float:
        return self.display_width / self.image.shape[1]

    @property
    def scale_y(self) -> float:
        return self.display_height / self.image.shape[0]

    def to_source(self, x: float, y: float) -> tuple[float, float]:
        """Image coordinates → displayed-frame coordinates, clamped to the frame (a
        detector's box may reach past the edge)."""
        return (
            min(max(x * self.scale_x, 0.0), float(self.display_width)),
            min(max(y * self.scale_y, 0.0), float(self.display_height)),
        )


class _Packet(NamedTuple):
    pts: int | None
    dts: int | None
    is_keyframe: bool
    duration: int


@dataclass(frozen=True)
class _FrameIndex:
    """Frames in presentation order. ``pts`` is relative to the stream start, in
    ``time_base`` units; ``end`` is where the last frame stops being shown; ``seek_keys``
    is the demuxer timestamp to seek to for each keyframe; ``keyframe_of[i]`` is the last
    keyframe at or before frame i."""

    pts: list[int]
    end: int
    time_base: Fraction
    origin: int
    keyframe_of: list[int]
    seek_keys: dict[int, int]
    timed: bool

    positions: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", {pts: i for i, pts in enumerate(self.pts)})

    def position_of(self, frame: av.VideoFrame) -> int | None:
        """The index of a decoded frame, found by its PTS."""
        return None if frame.pts is None else self.positions.get(frame.pts - self.origin)


class FrameSampler:
    def __init__(
        self,
        path: str,
        *,
        max_side: int | None = None,
        threads: int = 1,
        skip_unwanted: bool = True,
    ) -> None:
        """``threads``: the codec's (frame threads flush at every seek: slower for sampling,
        see docs/performance.md, bench.frame_sampler); ``skip_unwanted``: let the decoder
        skip non-reference frames nobody asked for."""
        if max_side is not None and max_side < 1:
            raise ValueError("max_side must be at least 1")
        self._path = path
        self._max_side = max_side
        self._threads = threads
        self._skip_unwanted = skip_unwanted
        self._container = self._open()
        self._wanted_pts: set[int] | None = None  # absolute pts of the frames asked for
        self._pixel_aspect = pixel_aspect_of(self._stream)
        self._index = self._build_index()
        self._skipped: list[int] = []
        self._decoded_count = 0

    def __enter__(self) -> "FrameSampler":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    @property
    def frame_count(self) -> int:
        """Frames whose packets are in the file (a truncated file has fewer)."""
        return len(self._index.pts)

    @property
    def duration_ms(self) -> int:
        """The stream's declared duration, but never less than the time of its last frame
        (some muxers understate it for variable-frame-rate video)."""
        return max(declared_duration_ms(self._container, self._stream), self.frames_end_ms)

    @property
    def frames_end_ms(self) -> int:
        """When the last frame present in the file stops being shown: less than
        ``duration_ms`` when the file is truncated."""
        return max(round(self._index.end * self._index.time_base * 1000), self.last_frame_ms)

    @property
    def last_frame_ms(self) -> int:
        """Presentation time of the last frame present in the file."""
        return self.time_ms(self.frame_count - 1) if self.frame_count else 0

    @property
    def skipped_frames(self) -> list[int]:
        """Indices of the wanted frames that could not be decoded, so far."""
        return list(self._skipped)

    @property
    def decoded_count(self) -> int:
        """Frames decoded so far, wanted or not: what sampling has cost."""
        return self._decoded_count

    def sample_every(
        self, interval_ms: int, window: tuple[int, int | None] | None = None
    ) -> Iterator[SampledFrame]:
        """The first frame at or after 0, interval_ms, 2 * interval_ms, ... (each frame
        once, even when several instants fall on it). ``window`` = (start_ms, end_ms or
        None for the end) keeps the frames shown from start_ms up to end_ms: the same
        frames the whole video's sampling picks there, so windows add up to the whole."""
        return self._decode(self._window_targets(self.every_targets(interval_ms), window))

    def count_every(self, interval_ms: int, window: tuple[int, int | None] | None = None) -> int:
        """How many frames ``sample_every`` yields at most (without decoding)."""
        return len(self._window_targets(self.every_targets(interval_ms), window))

    def keyframe_times_ms(self) -> list[int]:
        """Presentation times of the keyframes, where decoding can start."""
        keyframes = sorted(set(self._index.keyframe_of))
        return [self.time_ms(index) for index in keyframes]

    def _window_targets(
        self, targets: list[int], window: tuple[int, int | None] | None
    ) -> list[int]:
        if window is None:
            return targets
        start_ms, end_ms = window
        return [
            index
            for index in targets
            if self.time_ms(index) >= start_ms and (end_ms is None or self.time_ms(index) < end_ms)
        ]

    def every_targets(self, interval_ms: int) -> list[int]:
        if interval_ms <= 0:
            raise ValueError("interval_ms must be positive")
        targets: list[int] = []
        instant = 0
        while True:
            index = bisect.bisect_left(self._index.pts, self._pts_ceil(instant))
            if index >= self.frame_count:
                break
            if not targets or targets[-1] != index:
                targets.append(index)
            # jump straight past long gaps of VFR video instead of stepping through them
            instant = max(instant + interval_ms, self._interval_after(index, interval_ms))
        return targets

    def sample_at(self, timestamps_ms: Sequence[int]) -> Iterator[SampledFrame]:
        """The frame shown at each time, in time order (each frame once). A time before
        the first frame gives the first frame; a time after the video gives nothing."""
        if any(timestamp < 0 for timestamp in timestamps_ms):
            raise ValueError("timestamps must not be negative")
        targets = set()
        for timestamp in timestamps_ms:
            if timestamp > self.duration_ms or not self.frame_count:
                continue
            shown = bisect.bisect_right(self._index.pts, self._pts_floor(timestamp)) - 1
            targets.add(max(shown, 0))
        return self._decode(sorted(targets))

    def sample_indices(self, indices: Iterable[int]) -> Iterator[SampledFrame]:
        """The frames at these indices, in frame order (each once); an index past the
        last frame gives nothing."""
        wanted = set(indices)
        if any(index < 0 for index in wanted):
            raise ValueError("frame indices must not be negative")
        return self._decode(sorted(index for index in wanted if index < self.frame_count))

    def nearest_frame(self, seconds: float) -> int:
        """The index of the frame presented closest to ``seconds`` after the stream start:
        maps a time from another decoder (e.g. a scene cut) onto this frame numbering."""
        if not self.frame_count:
            raise ValueError("the video has no frames")
        ticks = seconds / self._index.time_base
        after = bisect.bisect_left(self._index.pts, ticks)
        candidates = [i for i in (after - 1, after) if 0 <= i < self.frame_count]
        return min(candidates, key=lambda i: abs(self._index.pts[i] - ticks))

    def time_ms(self, index: int) -> int:
        """Presentation time of frame ``index``, from its PTS."""
        return max(round(self._index.pts[index] * self._index.time_base * 1000), 0)

    def frame_at_index(self, index: int) -> SampledFrame | None:
        """Frame ``index`` in presentation order; None past the last frame or when it
        cannot be decoded."""
        if not 0 <= index < self.frame_count:
            return None
        return next(self._decode([index]), None)

    # -- index ---------------------------------------------------------------------

    def _open(self) -> av.container.InputContainer:
        try:
            container = av.open(self._path)
        except av.error.FFmpegError as exc:
            raise MediaError(
                "unreadable_media", f"{self._path}: not a readable media file ({exc})"
            ) from exc
        if not container.streams.video:
            container.close()
            raise MediaError("no_video_stream", f"{self._path}: has no video stream")
        # demux(video stream) hands over video packets only: other streams are ignored
        # without touching their (version-dependent) discard settings
        if self._threads > 1:
            context = container.streams.video[0].codec_context
            context.thread_type, context.thread_count = "AUTO", self._threads
        return container

    @property
    def _stream(self) -> av.VideoStream:
        return self._container.streams.video[0]

    def _build_index(self) -> _FrameIndex:
        packets: list[_Packet] = []
        try:
            for packet in self._container.demux(self._stream):
                # the decoder drops discard-flagged packets (cut by an edit list)
                if packet.size and not packet.is_discard:
                    packets.append(
                        _Packet(packet.pts, packet.dts, packet.is_keyframe, packet.duration or 0)
                    )
        except av.error.FFmpegError as exc:  # damaged container: index what was readable
            log.warning("%s: demuxing stopped early: %s", self._path, exc)
        if packets and all(p.pts is not None or p.dts is not None for p in packets):
            return self._timed_index(packets)
        return self._untimed_index(len(packets))

    def _timed_index(self, packets: list[_Packet]) -> _FrameIndex:
        stream = self._stream
        ordered = sorted(
            (
                packet.pts if packet.pts is not None else packet.dts,
                packet.dts if packet.dts is not None else packet.pts,
                packet.is_keyframe,
                packet.duration,
            )
            for packet in packets
        )
        origin = stream.start_time if stream.start_time is not None else ordered[0][0]
        keyframe_of, seek_keys, last_key = [], {}, 0
        for position, (pts_of_key, _, key, _) in enumerate(ordered):
            if key:
                last_key = position
                seek_keys[position] = pts_of_key
            keyframe_of.append(last_key)
        # frames before the first keyframe can only be had by decoding from the start
        seek_keys.setdefault(0, min(dts for _, dts, _, _ in ordered))
        last_pts, _, _, last_duration = ordered[-1]
        return _FrameIndex(
            pts=[pts - origin for pts, _, _, _ in ordered],
            end=last_pts + last_duration - origin,
            time_base=Fraction(stream.time_base),
            origin=origin,
            keyframe_of=keyframe_of,
            seek_keys=seek_keys,
            timed=True,
        )

    def _untimed_index(self, count: int) -> _FrameIndex:
        rate = self._stream.average_rate or self._stream.guessed_rate or Fraction(25)
        return _FrameIndex(
            pts=list(range(count)),
            end=count,
            time_base=1 / Fraction(rate),
            origin=0,
            keyframe_of=[0] * count,
            seek_keys={0: 0},
            timed=False,
        )

    def _pts_ceil(self, timestamp_ms: int) -> int:
        """The smallest relative pts at or after ``timestamp_ms``."""
        ticks = Fraction(timestamp_ms, 1000) / self._index.time_base
        return -(-ticks.numerator // ticks.denominator)

    def _pts_floor(self, timestamp_ms: int) -> int:
        ticks = Fraction(timestamp_ms, 1000) / self._index.time_base
        return ticks.numerator // ticks.denominator

    def _interval_after(self, index: int, interval_ms: int) -> int:
        """The first sampling instant after frame ``index``'s time."""
        frame_ms = Fraction(self._index.pts[index]) * self._index.time_base * 1000
        return (int(frame_ms) // interval_ms + 1) * interval_ms

    # -- decoding ------------------------------------------------------------------

    def _decode(self, targets: list[int]) -> Iterator[SampledFrame]:
        if self._index.timed and self._skip_unwanted:
            self._wanted_pts = {self._index.pts[i] + self._index.origin for i in targets}
        pending = deque(targets)
        frames: Iterator[tuple[int, av.VideoFrame]] | None = None
        position = -1  # index of the last frame decoded
        while pending:
            keyframe = self._index.keyframe_of[pending[0]]
            if frames is None or keyframe > position:
                frames = self._frames_from(keyframe)
            for index, frame in frames:
                position = index
                while pending and pending[0] < index:
                    self._skip(pending.popleft())
                if pending and pending[0] == index:
                    pending.popleft()
                    yield self._sampled(index, frame)
                if not pending or self._index.keyframe_of[pending[0]] > position:
                    break
            else:
                # the decoder ran dry: what this keyframe should have led to is lost
                frames = None
                reach = max(position, keyframe)
                while pending and self._index.keyframe_of[pending[0]] <= reach:
                    self._skip(pending.popleft())

    def _skip(self, index: int) -> None:
        log.debug("%s: frame %d could not be decoded; skipped", self._path, index)
        self._skipped.append(index)

    def _frames_from(self, keyframe: int) -> Iterator[tuple[int, av.VideoFrame]]:
        """Decoded frames from ``keyframe`` on, as (frame index, frame)."""
        if not self._index.timed:
            yield from self._untimed_frames()
            return
        self._container.seek(self._index.seek_keys[keyframe], stream=self._stream)
        first = True
        for frame in self._decoded():
            index = self._index.position_of(frame)
            if index is None or index < keyframe:
                continue
            if first and index > keyframe > 0:
                # the seek landed after the keyframe: decode from the start instead
                yield from self._frames_from_start(keyframe)
                return
            first = False
            yield index, frame

    def _frames_from_start(self, keyframe: int) -> Iterator[tuple[int, av.VideoFrame]]:
        self._container.seek(self._index.seek_keys[0], stream=self._stream)
        for frame in self._decoded():
            index = self._index.position_of(frame)
            if index is not None and index >= keyframe:
                yield index, frame

    def _untimed_frames(self) -> Iterator[tuple[int, av.VideoFrame]]:
        self._container.close()
        self._container = self._open()
        for index, frame in enumerate(self._decoded()):
            if index >= self.frame_count:
                return
            yield index, frame

    def _decoded(self) -> Iterator[av.VideoFrame]:
        """Frames in presentation order; a packet that fails to decode is dropped, a
        container that ends early ends the iteration."""
        context = self._stream.codec_context
        try:
            for packet in self._container.demux(self._stream):
                if self._wanted_pts is not None and packet.pts is not None:
                    wanted = packet.pts in self._wanted_pts
                    context.skip_frame = "DEFAULT" if wanted else "NONREF"
                try:
                    frames = packet.decode()
                except av.error.FFmpegError as exc:
                    log.debug("%s: packet at pts %s: %s", self._path, packet.pts, exc)
                    continue
                self._decoded_count += len(frames)
                yield from frames
        except av.error.FFmpegError as exc:
            log.warning("%s: decoding stopped early: %s", self._path, exc)

    def _sampled(self, index: int, frame: av.VideoFrame) -> SampledFrame:
        geometry = DisplayGeometry(self._pixel_aspect, quarter_turns_of(frame.rotation))
        display_width, display_height = geometry.size(frame.width, frame.height)
        out_width, out_height = geometry.upright(
            *_fit(display_width, display_height, self._max_side)
        )
        if (out_width, out_height) == (frame.width, frame.height):
            image = frame.to_ndarray(format="rgb24")
        else:
            image = frame.to_ndarray(
                width=out_width, height=out_height, format="rgb24", interpolation="AREA"
            )
        return SampledFrame(
            frame_index=index,
            timestamp_ms=self.time_ms(index),
            image=geometry.turn(image),
            display_width=display_width,
            display_height=display_height,
        )


def scaled_down(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` (RGB uint8 HxWx3) with its longer side at most ``max_side``, the aspect
    ratio kept, scaled as the sampler scales frames (each pixel the average of those it
    covers); ``image`` itself when it is small enough."""
    height, width = image.shape[:2]
    out_width, out_height = _fit(width, height, max_side)
    if (out_width, out_height) == (width, height):
        return image
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
    return frame.to_ndarray(
        width=out_width, height=out_height, format="rgb24", interpolation="AREA"
    )


def _fit(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The size that keeps the aspect ratio with the longer side at most ``max_side``."""
    longest = max(width, height)
    if max_side is None or longest <= max_side:
        return width, height
    factor = max_side / longest
    return max(round(width * factor), 1), max(round(height * factor), 1)
