"""Small generated videos with a known GOP for the frame offsets tests: H.264 in MP4, MOV
and MKV (with an audio track interleaved), and raw H.264 / H.265 Annex-B streams, all
with B-frames so that file order and presentation order differ."""

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SIZE = (64, 48)
FPS = 25
AUDIO_RATE = 8000


@dataclass(frozen=True)
class ClipKind:
    name: str
    suffix: str
    codec: str  # libx264 or libx265
    muxer: str | None  # None: chosen by the suffix
    audio: bool

    @property
    def raw(self) -> bool:
        return self.muxer is not None


MP4 = ClipKind("mp4", ".mp4", "libx264", None, True)
MOV = ClipKind("mov", ".mov", "libx264", None, True)
MKV = ClipKind("mkv", ".mkv", "libx264", None, True)
RAW_H264 = ClipKind("h264", ".h264", "libx264", "h264", False)
RAW_H265 = ClipKind("h265", ".h265", "libx265", "hevc", False)
CLIP_KINDS = (MP4, MOV, MKV, RAW_H264, RAW_H265)


def picture(index: int, width: int, height: int) -> np.ndarray:
    """A frame that differs from every other: a grey level, a moving bar and noise."""
    rng = np.random.default_rng(index)
    image = rng.integers(0, 40, (height, width, 3), dtype=np.uint8)
    image += np.uint8((index * 37) % 200)
    image[:, (index * 3) % width] = 255
    return image


def encoder_options(codec: str, gop: int, bframes: int) -> dict[str, str]:
    if codec == "libx265":
        params = f"keyint={gop}:min-keyint={gop}:bframes={bframes}:scenecut=0:open-gop=0"
        return {"preset": "ultrafast", "x265-params": params + ":log-level=error"}
    params = f"keyint={gop}:min-keyint={gop}:bframes={bframes}:scenecut=0"
    return {"preset": "ultrafast", "x264-params": params}


def write_clip(
    path: Path,
    kind: ClipKind,
    *,
    frames: int = 60,
    gop: int = 12,
    bframes: int = 2,
    size: tuple[int, int] = SIZE,
    rotation: int = 0,
    pixel_aspect: Fraction = Fraction(1),
) -> Path:
    """A clip of ``frames`` pictures (``picture(i)``), a keyframe every ``gop`` frames,
    shown turned by ``rotation`` degrees and stretched by ``pixel_aspect``."""
    width, height = size
    with av.open(str(path), "w", format=kind.muxer) as output:
        video = output.add_stream(kind.codec, rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = encoder_options(kind.codec, gop, bframes)
        if pixel_aspect != 1:
            video.codec_context.sample_aspect_ratio = pixel_aspect
        if rotation:
            video.set_display_rotation(rotation)
        audio = output.add_stream("aac", rate=AUDIO_RATE) if kind.audio else None
        samples = AUDIO_RATE // FPS
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(picture(index, width, height), format="rgb24")
            output.mux(video.encode(frame))
            if audio is not None:
                tone = np.sin(np.arange(samples, dtype=np.float32) / 5)[None, :] * 0.1
                sound = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
                sound.sample_rate, sound.pts = AUDIO_RATE, index * samples
                output.mux(audio.encode(sound))
        output.mux(video.encode(None))
        if audio is not None:
            output.mux(audio.encode(None))
    return path


def sequential_frames(path: Path) -> list[np.ndarray]:
    """Every frame of the first video stream, decoded front to back (presentation order)."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def demuxed_packets(path: Path) -> list[tuple[bytes, bool]]:
    """(bytes, is keyframe) of each video packet in file order: an independent demux."""
    with av.open(str(path)) as container:
        stream = container.streams.best("video")
        return [(bytes(p), p.is_keyframe) for p in container.demux(stream) if p.size]
