"""Transcode a video to an H.265 Annex-B elementary stream with libx265 (through PyAV).

GOPs are closed (every keyframe an IDR, no open-GOP leading pictures), keyframes come at
a fixed interval and each carries the parameter sets (VPS, SPS, PPS), so the bytes from
any keyframe's offset on decode by themselves: what a client reading the stream by byte
range needs."""

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error

from pipeline.files import atomic_output
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import stat_media_file

X265_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)


@dataclass(frozen=True)
class HevcSettings:
    gop: int = 50  # frames from one keyframe to the next
    preset: str = "medium"
    crf: float = 28


def x265_params(settings: HevcSettings) -> str:
    return ":".join(
        (
            f"keyint={settings.gop}",
            f"min-keyint={settings.gop}",
            "scenecut=0",
            "open-gop=0",
            "repeat-headers=1",
            "log-level=error",
        )
    )


def convert_to_hevc(source: Path, output: Path, settings: HevcSettings) -> int:
    """Writes ``output`` atomically (complete or not at all); returns the frame count.
    Raises MediaError when ``source`` is not a readable video."""
    stat_media_file(source)
    try:
        with av.open(str(source)) as container:
            stream = container.streams.best("video")
            if stream is None:
                raise MediaError("no_video_stream", f"{source}: has no video stream")
            with atomic_output(output) as handle:
                return _encode(container, stream, handle, settings)
    except av.error.FFmpegError as exc:
        raise MediaError("unreadable_media", f"{source}: cannot transcode ({exc})") from exc


def _encode(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    handle: object,
    settings: HevcSettings,
) -> int:
    rate = Fraction(stream.average_rate or stream.guessed_rate or 25)
    width, height = stream.codec_context.width // 2 * 2, stream.codec_context.height // 2 * 2
    count = 0
    with av.open(handle, "w", format="hevc") as sink:
        encoder = sink.add_stream("libx265", rate=rate)
        encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
        encoder.options = {
            "preset": settings.preset,
            "crf": str(settings.crf),
            "x265-params": x265_params(settings),
        }
        for frame in container.decode(stream):
            picture = frame.reformat(width=width, height=height, format="yuv420p")
            picture.pts, picture.time_base = count, 1 / rate
            # the decoder's frame type would be forced on libx265, which crashes on it
            picture.pict_type = av.video.frame.PictureType.NONE
            sink.mux(encoder.encode(picture))
            count += 1
        sink.mux(encoder.encode(None))
    if not count:
        raise MediaError("no_frames", f"{container.name}: the video stream has no frames")
    return count
