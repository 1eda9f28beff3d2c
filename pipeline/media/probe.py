"""Probe a container with PyAV: duration, frame rate, size, codecs; and prove that the
first video frame decodes, so garbage is refused before any run is planned."""

from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

from pipeline.analysis.contract import MediaSource
from pipeline.media.errors import MediaError


@dataclass(frozen=True)
class MediaInfo:
    duration_ms: int
    fps: float
    width: int
    height: int
    frame_count: int
    container: str
    video_codec: str
    audio_codec: str | None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe(path: str) -> MediaInfo:
    try:
        with av.open(path) as container:
            return _describe(path, container)
    except av.error.FFmpegError as exc:
        raise MediaError(
            "unreadable_media",
            f"{path}: not a readable media file ({exc.strerror or type(exc).__name__})",
        ) from exc


def _describe(path: str, container: av.container.InputContainer) -> MediaInfo:
    if not container.streams.video:
        raise MediaError("no_video_stream", f"{path}: has no video stream")
    video = container.streams.video[0]
    audio = container.streams.audio[0] if container.streams.audio else None
    rate = video.average_rate or video.guessed_rate or Fraction(0)
    if rate <= 0:
        raise MediaError("no_frame_rate", f"{path}: video stream has no frame rate")
    first_frame = next(container.decode(video), None)
    if first_frame is None:
        raise MediaError("no_frames", f"{path}: video stream has no decodable frame")
    duration_ms = _duration_ms(container, video)
    frame_count = video.frames or round(duration_ms * float(rate) / 1000)
    return MediaInfo(
        duration_ms=duration_ms,
        fps=float(rate),
        width=video.codec_context.width,
        height=video.codec_context.height,
        frame_count=frame_count,
        container=container.format.name,
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio else None,
    )


def _duration_ms(container: av.container.InputContainer, video: av.VideoStream) -> int:
    if video.duration is not None and video.time_base is not None:
        return round(float(video.duration * video.time_base) * 1000)
    if container.duration is not None:
        return round(container.duration * 1000 / av.time_base)
    return 0


def probe_source(path: str, video_id: str = "adhoc") -> MediaSource:
    """What an analyzer needs to know about a file, for running one outside a run
    (benchmarks, tests, debugging)."""
    info = probe(path)
    return MediaSource(
        video_id=video_id,
        path=path,
        duration_ms=info.duration_ms,
        fps=info.fps,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
        has_audio=info.has_audio,
    )
