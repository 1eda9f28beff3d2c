"""Generate small videos with known content: shots of distinct colours with cuts at known
frames, optionally with an audio track and container metadata. Used by the tests, the
benchmarks and the demo sample, so their ground truth is exact."""

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass(frozen=True)
class Shot:
    frames: int
    hue: float  # 0..1
    value: float = 0.9  # brightness 0..1; neighbouring shots should differ in hue and value


def shot_frame(shot: Shot, index: int, width: int, height: int) -> np.ndarray:
    """A gently moving gradient in the shot's hue: changes little within a shot."""
    red, green, blue = colorsys.hsv_to_rgb(shot.hue % 1.0, 0.85, shot.value)
    base = np.array([red, green, blue]) * 255
    ramp = np.linspace(0.75, 1.0, width)[None, :, None]
    shift = (index % 50) / 50 * 0.05
    frame = np.broadcast_to(base * (ramp - shift), (height, width, 3))
    return np.clip(frame, 0, 255).astype(np.uint8)


def write_video(
    path: Path,
    shots: Sequence[Shot],
    *,
    fps: int = 25,
    size: tuple[int, int] = (160, 120),
    audio: Path | None = None,
    title: str | None = None,
    faststart: bool = False,
) -> Path:
    """Write an H.264 MP4 (and AAC audio copied from ``audio`` when given). ``faststart``
    puts the index before the media data, so a truncated copy still opens."""
    width, height = size
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as output:
        if title is not None:
            output.metadata["title"] = title
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "stillimage", "crf": "23"}
        audio_stream = _add_audio_stream(output, audio) if audio is not None else None
        for shot in shots:
            for index in range(shot.frames):
                frame = av.VideoFrame.from_ndarray(
                    shot_frame(shot, index, width, height), format="rgb24"
                )
                output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
        if audio is not None and audio_stream is not None:
            duration_s = sum(shot.frames for shot in shots) / fps
            _mux_audio(output, audio_stream, audio, duration_s)
    return path


def _add_audio_stream(output: av.container.OutputContainer, source: Path) -> av.AudioStream:
    with av.open(str(source)) as audio_in:
        rate = audio_in.streams.audio[0].rate
    return output.add_stream("aac", rate=rate)


def _mux_audio(
    output: av.container.OutputContainer, stream: av.AudioStream, source: Path, duration_s: float
) -> None:
    with av.open(str(source)) as audio_in:
        for frame in audio_in.decode(audio=0):
            if frame.time is not None and frame.time >= duration_s:
                break
            frame.pts = None
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


def alternating_shots(lengths: Sequence[int]) -> list[Shot]:
    """Shots of the given lengths whose neighbours differ clearly in hue and brightness."""
    return [
        Shot(frames, hue=(index * 0.37) % 1.0, value=0.9 if index % 2 == 0 else 0.35)
        for index, frames in enumerate(lengths)
    ]


def cut_frames(shots: Sequence[Shot]) -> list[int]:
    """Frame indices where a new shot begins (excluding frame 0)."""
    cuts, position = [], 0
    for shot in shots[:-1]:
        position += shot.frames
        cuts.append(position)
    return cuts
