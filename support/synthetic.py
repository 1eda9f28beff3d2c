"""Generate small videos with known content: shots of distinct colours with cuts at known
frames, optionally with an audio track and container metadata. Used by the tests, the
benchmarks and the demo sample, so their ground truth is exact."""

import colorsys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

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
    keyframe_every: int | None = None,
) -> Path:
    """Write an H.264 MP4 (and AAC audio copied from ``audio`` when given). ``faststart``
    puts the index before the media data, so a truncated copy still opens;
    ``keyframe_every`` frames a keyframe (None: the encoder's default, 250)."""
    width, height = size
    frames = (
        shot_frame(shot, index, width, height) for shot in shots for index in range(shot.frames)
    )
    return _write_h264(
        path, frames, size, fps, audio=audio, title=title, faststart=faststart,
        keyframe_every=keyframe_every,
    )  # fmt: skip


def write_stills_video(
    path: Path,
    stills: Sequence[tuple[np.ndarray, int]],
    *,
    fps: int = 25,
    audio: Path | None = None,
    title: str | None = None,
) -> Path:
    """Write an H.264 MP4 showing each RGB uint8 image for its number of frames (and AAC
    audio copied from ``audio`` when given). Every image must have the same even width
    and height."""
    height, width = stills[0][0].shape[:2]
    for image, _ in stills:
        if image.shape != (height, width, 3):
            raise ValueError(f"image of shape {image.shape}, expected {(height, width, 3)}")
    frames = (image for image, count in stills for _ in range(count))
    return _write_h264(path, frames, (width, height), fps, audio=audio, title=title)


def _write_h264(
    path: Path,
    frames: Iterable[np.ndarray],
    size: tuple[int, int],
    fps: int,
    *,
    audio: Path | None,
    title: str | None,
    faststart: bool = False,
    keyframe_every: int | None = None,
) -> Path:
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as output:
        if title is not None:
            output.metadata["title"] = title
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "stillimage", "crf": "23"}
        if keyframe_every is not None:
            stream.codec_context.gop_size = keyframe_every
        audio_stream = _add_audio_stream(output, audio) if audio is not None else None
        written = 0
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            output.mux(stream.encode(frame))
            written += 1
        output.mux(stream.encode(None))
        if audio is not None and audio_stream is not None:
            _mux_audio(output, audio_stream, audio, written / fps)
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


def numbered_frame(index: int, width: int, height: int) -> np.ndarray:
    """A frame that differs visibly from every other index: hue and a bright square whose
    place both follow the index."""
    red, green, blue = colorsys.hsv_to_rgb((index * 0.137) % 1.0, 0.7, 0.6)
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = np.array([red, green, blue]) * 255
    side = max(min(width, height) // 6, 2)
    x = (index * side) % max(width - side, 1)
    y = (index * 7) % max(height - side, 1)
    frame[y : y + side, x : x + side] = 255
    return frame


def write_vfr_video(
    path: Path,
    frame_times_ms: Sequence[int],
    *,
    size: tuple[int, int] = (96, 64),
    gop: int = 8,
    bframes: int = 0,
    faststart: bool = False,
) -> Path:
    """Write an H.264 MP4 whose frame ``i`` (``numbered_frame(i)``) is presented at
    ``frame_times_ms[i]`` exactly: irregular gaps make it variable-frame-rate. A keyframe
    every ``gop`` frames; ``bframes`` > 0 reorders packets so decode order != PTS order."""
    width, height = size
    time_base = Fraction(1, 1000)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = time_base
        stream.options = {
            "preset": "veryfast",
            "crf": "20",
            "g": str(gop),
            "keyint_min": str(gop),
            "sc_threshold": "0",
            "bf": str(bframes),
        }
        for index, time_ms in enumerate(frame_times_ms):
            frame = av.VideoFrame.from_ndarray(numbered_frame(index, width, height), format="rgb24")
            frame.pts, frame.time_base = time_ms, time_base
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


@dataclass(frozen=True)
class Caption:
    """``text`` shown from ``start_ms`` (inclusive) to ``end_ms`` (exclusive)."""

    start_ms: int
    end_ms: int
    text: str


def write_text_video(
    path: Path,
    captions: Sequence[Caption],
    duration_ms: int,
    *,
    fps: int = 5,
    size: tuple[int, int] = (320, 120),
    faststart: bool = False,
) -> Path:
    """Write an H.264 MP4 of dark text centred on a plain light background, showing each
    caption during its span and nothing in between (needs OpenCV for the lettering)."""
    import cv2

    width, height = size
    blank = np.full((height, width, 3), 235, np.uint8)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "stillimage", "crf": "18"}
        for index in range(duration_ms * fps // 1000):
            time_ms = index * 1000 // fps
            image = blank.copy()
            for caption in captions:
                if caption.start_ms <= time_ms < caption.end_ms:
                    _draw_centred(cv2, image, caption.text)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


def _draw_centred(cv2: Any, image: np.ndarray, text: str) -> None:
    height, width = image.shape[:2]
    font, thickness = cv2.FONT_HERSHEY_SIMPLEX, 3
    (text_width, text_height), _ = cv2.getTextSize(text, font, 1.0, thickness)
    scale = min(0.85 * width / text_width, 0.4 * height / text_height)
    (text_width, text_height), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = ((width - text_width) // 2, (height + text_height) // 2)
    cv2.putText(image, text, origin, font, scale, (20, 20, 20), thickness, cv2.LINE_AA)


def write_joined_speech(path: Path, recordings: Sequence[Path], pause_s: float = 2.0) -> Path:
    """A 16 kHz mono FLAC of the recordings one after the other, ``pause_s`` of silence
    between them."""
    from pipeline.media.audio import WHISPER_SAMPLE_RATE, decode_audio

    pause = np.zeros(round(pause_s * WHISPER_SAMPLE_RATE), np.float32)
    parts = [decode_audio(str(recording), WHISPER_SAMPLE_RATE).samples for recording in recordings]
    joined = np.concatenate([piece for part in parts for piece in (part, pause)][:-1])
    pcm = (np.clip(joined, -1.0, 1.0) * 32767).astype(np.int16)
    with av.open(str(path), "w") as output:
        stream = output.add_stream("flac", rate=WHISPER_SAMPLE_RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        frame.sample_rate = WHISPER_SAMPLE_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
    return path
