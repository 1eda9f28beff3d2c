"""Decode a container's first audio stream straight to mono float32 samples with PyAV
(FFmpeg's libraries ship inside the wheel: no ffmpeg binary is needed).

Packets that fail to decode are skipped and counted, so a stream damaged in places still
yields the rest of its audio; a stream that yields nothing is an error, never a crash."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error
import numpy as np

from pipeline.media.errors import MediaError

log = logging.getLogger(__name__)

WHISPER_SAMPLE_RATE = 16_000

NO_AUDIO_STREAM = "no_audio_stream"
EMPTY_AUDIO = "empty_audio"
UNREADABLE_AUDIO = "unreadable_audio"
# A jump in audio timestamps longer than this is filled with silence.
MAX_GAP_MS = 20
# Decoding a time range starts this long before it: the first frame decoded after a seek
# lacks the one before it that lapped codecs (AAC, Opus) mix into it.
SEEK_PRE_ROLL_MS = 500


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int
    start_ms: int  # where the first sample sits on the container's timeline
    bad_packets: int = 0

    @property
    def duration_ms(self) -> int:
        return round(len(self.samples) * 1000 / self.sample_rate)


def decode_audio(
    path: str,
    sample_rate: int = WHISPER_SAMPLE_RATE,
    start_ms: int = 0,
    end_ms: int | None = None,
) -> DecodedAudio:
    """The first audio stream of ``path``, resampled to mono ``sample_rate`` float32; only
    its samples in [``start_ms``, ``end_ms``) of the container's timeline where a range is
    given (``end_ms`` None: to the end of the stream). A range the stream has no samples
    in is empty audio; a whole stream without samples is an error."""
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    if start_ms < 0 or (end_ms is not None and end_ms < start_ms):
        raise ValueError(f"not a time range: [{start_ms}, {end_ms})")
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise MediaError(NO_AUDIO_STREAM, f"{path}: no audio stream")
            stream = container.streams.audio[0]
            return _decode_stream(path, container, stream, sample_rate, start_ms, end_ms)
    except av.error.FFmpegError as exc:
        raise MediaError(
            "unreadable_media",
            f"{path}: not a readable media file ({exc.strerror or type(exc).__name__})",
        ) from exc
    except OSError as exc:
        raise MediaError("unreadable_media", f"{path}: cannot open ({exc})") from exc


def _decode_stream(
    path: str,
    container: av.container.InputContainer,
    stream: av.AudioStream,
    sample_rate: int,
    start_ms: int,
    end_ms: int | None,
) -> DecodedAudio:
    samples = _Samples()
    resampler = _Resampler(sample_rate)
    max_gap = sample_rate * MAX_GAP_MS // 1000
    origin = _origin_s(container)
    if start_ms > 0:
        seek_s = origin + max(start_ms - SEEK_PRE_ROLL_MS, 0) / 1000
        container.seek(round(seek_s / stream.time_base), stream=stream)  # to a packet before
    first_time: float | None = None
    bad_packets = 0
    for frame, bad in _frames(container, stream):
        bad_packets += bad
        if frame is None:
            continue
        if frame.time is not None:
            if end_ms is not None and (frame.time - origin) * 1000 >= end_ms:
                break
            first_time = frame.time if first_time is None else first_time
            position = round((frame.time - first_time) * sample_rate)
            if position - samples.count > max_gap:
                # Packets were lost: silence keeps what follows at its true time.
                samples.add(resampler.flush())
                samples.pad_to(position)
        samples.add(resampler.resample(frame))
    samples.add(resampler.flush())
    if samples.count == 0 and (start_ms > 0 or end_ms is not None):
        return DecodedAudio(np.zeros(0, dtype=np.float32), sample_rate, start_ms, bad_packets)
    if samples.count == 0:
        if bad_packets:
            raise MediaError(
                UNREADABLE_AUDIO, f"{path}: none of the {bad_packets} audio packets decoded"
            )
        raise MediaError(EMPTY_AUDIO, f"{path}: the audio stream has no samples")
    if bad_packets:
        log.warning("%s: skipped %d undecodable audio packets", path, bad_packets)
    decoded = DecodedAudio(
        samples=np.clip(samples.array(), -1.0, 1.0),
        sample_rate=sample_rate,
        start_ms=_start_ms(origin, first_time),
        bad_packets=bad_packets,
    )
    return _cut(decoded, origin, first_time, start_ms, end_ms)


def _frames(
    container: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[tuple[av.AudioFrame | None, int]]:
    """Decoded frames, each with the count (0 or 1) of its packet having failed.
    A demuxer error (truncated file) ends the stream where it happens."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError as exc:
            log.warning("audio demuxing stopped early: %s", exc)
            return
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            yield None, 1
            continue
        for frame in frames:
            yield frame, 0


class _Samples:
    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self.count = 0

    def add(self, arrays: list[np.ndarray]) -> None:
        self._chunks.extend(arrays)
        self.count += sum(len(array) for array in arrays)

    def pad_to(self, position: int) -> None:
        if position > self.count:
            self.add([np.zeros(position - self.count, dtype=np.float32)])

    def array(self) -> np.ndarray:
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.float32)


class _Resampler:
    """PyAV's resampler, rebuilt after a flush and whenever the input format changes
    mid-stream (a layout or rate switch inside one stream is legal)."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._resampler = self._new()
        self._input: tuple[str, str, int] | None = None

    def _new(self) -> av.AudioResampler:
        return av.AudioResampler(format="flt", layout="mono", rate=self.sample_rate)

    def resample(self, frame: av.AudioFrame) -> list[np.ndarray]:
        shape = (frame.format.name, frame.layout.name, frame.sample_rate)
        flushed = self.flush() if self._input not in (None, shape) else []
        self._input = shape
        frame.pts = None  # the resampler counts samples; damaged pts would upset it
        return flushed + _arrays(self._resampler.resample(frame))

    def flush(self) -> list[np.ndarray]:
        arrays = _arrays(self._resampler.resample(None)) if self._input is not None else []
        self._resampler = self._new()
        self._input = None
        return arrays


def _arrays(frames: list[av.AudioFrame]) -> list[np.ndarray]:
    return [frame.to_ndarray().reshape(-1).astype(np.float32, copy=False) for frame in frames]


def _origin_s(container: av.container.InputContainer) -> float:
    """Where the container's timeline starts, in seconds of its streams' timestamps."""
    return float(Fraction(container.start_time or 0, av.time_base))


def _start_ms(origin: float, first_time: float | None) -> int:
    if first_time is None:
        return 0
    return max(round((first_time - origin) * 1000), 0)


def _cut(
    audio: DecodedAudio,
    origin: float,
    first_time: float | None,
    start_ms: int,
    end_ms: int | None,
) -> DecodedAudio:
    """``audio`` less what lies before ``start_ms`` (decoded from the packet before it)
    and from ``end_ms`` on (the rest of the last frame)."""
    samples, start = audio.samples, audio.start_ms
    if start_ms > 0 and first_time is not None:
        head = round((start_ms / 1000 - (first_time - origin)) * audio.sample_rate)
        if head > 0:
            samples, start = samples[head:], start_ms
    if end_ms is not None:
        samples = samples[: max(round((end_ms - start) * audio.sample_rate / 1000), 0)]
    return DecodedAudio(samples, audio.sample_rate, start, audio.bad_packets)
