"""Probe a container with PyAV: duration, frame rate, size, codecs; and prove that the
first video frame decodes, so garbage is refused before any run is planned."""

from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

from pipeline.media.display import geometry_of
from pipeline.media.errors import MediaError

NO_VIDEO_CODEC = "none"  # what an audio-only file records as its video codec


@dataclass(frozen=True)
class MediaInfo:
    """A file as a player shows it: ``width`` x ``height`` is the displayed size (pixel
    aspect and rotation applied). An audio-only file has no frames and a 0 x 0 size."""

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

    @property
    def has_video(self) -> bool:
        return self.video_codec != NO_VIDEO_CODEC


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
    audio = container.streams.audio[0] if container.streams.audio else None
    if not container.streams.video:
        if audio is None:
            raise MediaError("no_media_stream", f"{path}: has neither video nor audio")
        return _describe_audio_only(container, audio)
    video = container.streams.video[0]
    rate = video.average_rate or video.guessed_rate or Fraction(0)
    if rate <= 0:
        raise MediaError("no_frame_rate", f"{path}: video stream has no frame rate")
    first_frame = next(container.decode(video), None)
    if first_frame is None:
        raise MediaError("no_frames", f"{path}: video stream has no decodable frame")
    duration_ms = declared_duration_ms(container, video)
    width, height = geometry_of(video, first_frame).size(first_frame.width, first_frame.height)
    return MediaInfo(
        duration_ms=duration_ms,
        fps=float(rate),
        width=width,
        height=height,
        frame_count=video.frames or round(duration_ms * float(rate) / 1000),
        container=container.format.name,
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio else None,
    )


def _describe_audio_only(
    container: av.container.InputContainer, audio: av.AudioStream
) -> MediaInfo:
    return MediaInfo(
        duration_ms=declared_duration_ms(container, audio),
        fps=0.0,
        width=0,
        height=0,
        frame_count=0,
        container=container.format.name,
        video_codec=NO_VIDEO_CODEC,
        audio_codec=audio.codec_context.name,
    )


def declared_duration_ms(container: av.container.InputContainer, stream: av.stream.Stream) -> int:
    """The stream's duration as the file declares it, measured from the stream's start.
    Without a per-stream duration the container's is used; Matroska declares the time at
    which the file ends rather than its length, so a late start is subtracted there."""
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base) * 1000)
    if container.duration is None:
        return 0
    duration_ms = round(container.duration * 1000 / av.time_base)
    if container.format.name.startswith("matroska") and container.start_time:
        duration_ms -= round(container.start_time * 1000 / av.time_base)
    return max(duration_ms, 0)
