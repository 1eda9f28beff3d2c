"""Real-world-shaped test files, generated with PyAV: the containers, codecs and quirks
people's videos have (sound tracks, rotation, non-square pixels, a late first timestamp,
variable frame rate, damage, very large frames, no picture at all).

Every video shows the same storyboard, so each analyzer has something real to find: a
plain colour field, then a photo of a face (tests/data/zidane.jpg), then a caption card,
with cuts at ``CUT_FRAMES``; the sound track is JFK's inaugural clip (tests/data/jfk.flac).
The storyboard is drawn at the *displayed* size; the stored picture is derived from it
(squeezed for non-square pixels, turned for a rotation), so what an analyzer reports in
displayed coordinates can be checked against the storyboard.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

DATA = Path(__file__).parents[1] / "data"
FPS = 10
SHOT_FRAMES = (20, 15, 15)  # colour field, face, caption: 5 s at 10 fps (cuts 15+ apart)
CUT_FRAMES = [20, 35]
FACE_FRAMES = range(20, 35)
CAPTION = "WELCOME"
SPOKEN = "fellow americans"  # said in the first five seconds of jfk.flac
ZIDANE_CROP = (slice(50, 500), slice(400, 1200))  # the left player's face and shoulders
TIME_BASE = Fraction(1, 1000)


@dataclass(frozen=True)
class ClipSpec:
    name: str  # file name, extension included
    video_codec: str | None = "libx264"
    audio_codec: str | None = "aac"
    display_size: tuple[int, int] = (320, 180)  # width, height as displayed
    pixel_aspect: Fraction = Fraction(1)  # stored pixel width / height
    rotation: int = 0  # display-matrix rotation, counter-clockwise degrees
    start_ms: int = 0  # presentation time of the first frame
    frame_times_ms: Sequence[int] | None = None  # None: a constant FPS
    options: dict[str, str] = field(default_factory=dict)

    @property
    def frame_count(self) -> int:
        return sum(SHOT_FRAMES)

    def times_ms(self) -> list[int]:
        if self.frame_times_ms is not None:
            return list(self.frame_times_ms)
        return [index * 1000 // FPS for index in range(self.frame_count)]


def vfr_times() -> list[int]:
    """Irregular gaps (40..160 ms) over 40 frames: a nominal rate puts cuts elsewhere."""
    gaps = [40, 160, 100, 60, 140]
    times, now = [], 0
    for index in range(sum(SHOT_FRAMES)):
        times.append(now)
        now += gaps[index % len(gaps)]
    return times


def storyboard(width: int, height: int) -> list[np.ndarray]:
    """The frames of every clip at its displayed size, one per frame index."""
    colour = np.zeros((height, width, 3), np.uint8)
    colour[:] = (40, 90, 200)
    face = fit_into(rgb_image(DATA / "zidane.jpg")[ZIDANE_CROP], width, height)
    card = caption_card(CAPTION, width, height)
    shots = (colour, face, card)
    return [shot for shot, count in zip(shots, SHOT_FRAMES, strict=True) for _ in range(count)]


def caption_card(text: str, width: int, height: int) -> np.ndarray:
    card = np.full((height, width, 3), 235, np.uint8)
    font, thickness = cv2.FONT_HERSHEY_SIMPLEX, 3
    (text_width, text_height), _ = cv2.getTextSize(text, font, 1.0, thickness)
    scale = min(0.8 * width / text_width, 0.3 * height / text_height)
    (text_width, text_height), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = ((width - text_width) // 2, (height + text_height) // 2)
    cv2.putText(card, text, origin, font, scale, (20, 20, 20), thickness, cv2.LINE_AA)
    return card


def fit_into(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` scaled to fit ``width`` x ``height`` with its aspect kept, on black."""
    factor = min(width / image.shape[1], height / image.shape[0])
    scaled_w, scaled_h = round(image.shape[1] * factor), round(image.shape[0] * factor)
    scaled = cv2.resize(image, (scaled_w, scaled_h), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - scaled_h) // 2, (width - scaled_w) // 2
    canvas[top : top + scaled_h, left : left + scaled_w] = scaled
    return canvas


def stored_picture(displayed: np.ndarray, spec: ClipSpec) -> np.ndarray:
    """What the encoder gets so that a player shows ``displayed``."""
    upright = np.rot90(displayed, k=-(spec.rotation // 90) % 4)
    if spec.pixel_aspect != 1:
        width = round(upright.shape[1] / spec.pixel_aspect)
        upright = cv2.resize(upright, (width, upright.shape[0]), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(upright)


def write_clip(path: Path, spec: ClipSpec) -> Path:
    with av.open(str(path), mode="w") as output:
        video = _add_video(output, spec) if spec.video_codec else None
        audio = _add_audio(output, spec.audio_codec) if spec.audio_codec else None
        times = spec.times_ms()
        if video is not None:
            for time_ms, picture in zip(times, storyboard(*spec.display_size), strict=True):
                frame = av.VideoFrame.from_ndarray(stored_picture(picture, spec), format="rgb24")
                frame.pts, frame.time_base = spec.start_ms + time_ms, TIME_BASE
                output.mux(video.encode(frame))
            output.mux(video.encode(None))
        if audio is not None:
            end_ms = times[-1] + 1000 // FPS
            _mux_audio(output, audio, spec.start_ms, end_ms)
    return path


def _add_video(output: av.container.OutputContainer, spec: ClipSpec) -> av.VideoStream:
    width, height = stored_picture(storyboard(*spec.display_size)[0], spec).shape[1::-1]
    stream = output.add_stream(spec.video_codec, rate=FPS)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.time_base = stream.codec_context.time_base = TIME_BASE
    if spec.pixel_aspect != 1:
        stream.codec_context.sample_aspect_ratio = spec.pixel_aspect
    if spec.rotation:
        stream.set_display_rotation(spec.rotation)
    defaults = (
        {"preset": "ultrafast", "crf": "23"}
        if spec.video_codec == "libx264"
        else {"deadline": "realtime", "cpu-used": "8"}
    )
    stream.options = {**defaults, **spec.options}
    return stream


def _add_audio(output: av.container.OutputContainer, codec: str) -> av.AudioStream:
    rate = 48000 if codec == "libopus" else 16000
    stream = output.add_stream(codec, rate=rate)
    if codec == "vorbis":  # FFmpeg's own Vorbis encoder is marked experimental
        stream.codec_context.options = {"strict": "experimental"}
    return stream


def _mux_audio(
    output: av.container.OutputContainer, stream: av.AudioStream, start_ms: int, end_ms: int
) -> None:
    codec = stream.codec_context
    resampler = av.AudioResampler(format=codec.format, layout=codec.layout, rate=codec.rate)
    position = start_ms * codec.rate // 1000  # the sound starts with the picture
    with av.open(str(DATA / "jfk.flac")) as source:
        for decoded in source.decode(audio=0):
            if decoded.time is not None and decoded.time * 1000 >= end_ms:
                break
            decoded.pts = None
            for frame in resampler.resample(decoded):
                frame.pts, frame.time_base = position, Fraction(1, codec.rate)
                position += frame.samples
                output.mux(stream.encode(frame))
    output.mux(stream.encode(None))


def corrupt_middle(source: Path, target: Path, *, damage: int = 4096) -> Path:
    """A copy of ``source`` with ``damage`` bytes of its middle overwritten with noise."""
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle : middle + damage] = np.random.default_rng(7).bytes(damage)
    target.write_bytes(bytes(data))
    return target


def rgb_image(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


CLIPS = (
    ClipSpec("h264_aac.mp4"),
    ClipSpec("h264_aac.mov"),
    ClipSpec("h264_opus.mkv", audio_codec="libopus"),
    ClipSpec("h264_vorbis.mkv", audio_codec="vorbis", options={"bf": "2"}),
    ClipSpec("vp9_opus.webm", video_codec="libvpx-vp9", audio_codec="libopus"),
    ClipSpec("rotated_90.mp4", display_size=(360, 640), rotation=90),
    ClipSpec("anamorphic_sar2.mkv", display_size=(640, 360), pixel_aspect=Fraction(2)),
    ClipSpec("delayed_start.mkv", start_ms=5000),
    ClipSpec("vfr.mp4", frame_times_ms=vfr_times()),
    ClipSpec("large_4096x2160.mp4", display_size=(4096, 2160)),
    ClipSpec("audio_only.m4a", video_codec=None),
)
CORRUPT = "corrupt_middle.mp4"


def write_matrix(folder: Path) -> dict[str, tuple[Path, ClipSpec | None]]:
    """Every matrix file in ``folder``, by name, with the spec it was made from (the
    damaged copy has the spec of the file it was cut from)."""
    made = {spec.name: (write_clip(folder / spec.name, spec), spec) for spec in CLIPS}
    whole, spec = made["h264_aac.mp4"]
    made[CORRUPT] = (corrupt_middle(whole, folder / CORRUPT), spec)
    return made
