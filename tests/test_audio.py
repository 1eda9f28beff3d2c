"""Audio decoding straight from containers with PyAV: resampling to mono float32, where the
audio sits on the timeline, and damaged, empty or missing audio."""

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.media.audio import (
    EMPTY_AUDIO,
    NO_AUDIO_STREAM,
    UNREADABLE_AUDIO,
    decode_audio,
)
from pipeline.media.errors import MediaError
from support.synthetic import Shot, shot_frame, write_video

JFK = Path(__file__).parent / "data" / "jfk.flac"
JFK_SECONDS = 11


@pytest.fixture(scope="module")
def jfk_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "jfk.mp4"
    return write_video(path, [Shot(25 * JFK_SECONDS, hue=0.3)], audio=JFK)


@pytest.fixture(scope="module")
def jfk_16k_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """AAC at 16 kHz: decoded at its own rate, a range is the very samples of the whole."""
    folder = tmp_path_factory.mktemp("audio-16k")
    samples = decode_audio(str(JFK)).samples
    with wave.open(str(folder / "jfk.wav"), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(16_000)
        audio.writeframes((samples * 32767).astype("<i2").tobytes())
    return write_video(
        folder / "jfk.mp4", [Shot(25 * JFK_SECONDS, hue=0.3)], audio=folder / "jfk.wav"
    )


def envelope(samples: np.ndarray, rate: int, window_ms: int = 100) -> np.ndarray:
    size = rate * window_ms // 1000
    usable = len(samples) // size * size
    return np.sqrt((samples[:usable].reshape(-1, size) ** 2).mean(axis=1))


def test_flac_decodes_to_16k_mono_float32() -> None:
    audio = decode_audio(str(JFK))
    assert audio.sample_rate == 16_000
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert len(audio.samples) == 16_000 * JFK_SECONDS
    assert (audio.duration_ms, audio.start_ms, audio.bad_packets) == (11_000, 0, 0)
    assert np.abs(audio.samples).max() <= 1.0
    assert 0.01 < float(np.sqrt((audio.samples**2).mean())) < 0.5


def test_aac_in_mp4_decodes_to_the_same_speech(jfk_video: Path) -> None:
    original = decode_audio(str(JFK))
    from_video = decode_audio(str(jfk_video))
    assert abs(from_video.duration_ms - 11_000) <= 50
    assert from_video.start_ms == 0
    first, second = envelope(original.samples, 16_000), envelope(from_video.samples, 16_000)
    count = min(len(first), len(second))
    assert np.corrcoef(first[:count], second[:count])[0, 1] > 0.95


@pytest.mark.parametrize("rate", [8_000, 22_050, 48_000])
def test_resamples_to_the_requested_rate(jfk_video: Path, rate: int) -> None:
    audio = decode_audio(str(jfk_video), rate)
    assert audio.sample_rate == rate
    assert abs(len(audio.samples) - rate * JFK_SECONDS) <= rate // 100 + 1024


@pytest.mark.parametrize(
    ("start_ms", "end_ms"), [(0, 2_000), (1_000, 4_000), (4_013, 7_500), (6_500, None)]
)
def test_a_time_range_is_those_samples_of_the_whole_stream(
    jfk_16k_video: Path, start_ms: int, end_ms: int | None
) -> None:
    whole = decode_audio(str(jfk_16k_video))
    part = decode_audio(str(jfk_16k_video), 16_000, start_ms, end_ms)
    expected = whole.samples[start_ms * 16 : None if end_ms is None else end_ms * 16]
    assert part.start_ms == start_ms
    assert len(part.samples) == len(expected)
    # decoded from the packets before it (SEEK_PRE_ROLL_MS): without them, 0.9 off
    assert np.abs(part.samples - expected).max() < 1e-3


@pytest.mark.parametrize(("start_ms", "end_ms"), [(11_500, None), (12_000, 20_000)])
def test_a_range_past_the_end_of_the_audio_is_empty(
    jfk_video: Path, start_ms: int, end_ms: int | None
) -> None:
    audio = decode_audio(str(jfk_video), 16_000, start_ms, end_ms)
    assert (len(audio.samples), audio.start_ms) == (0, start_ms)


@pytest.mark.parametrize(("start_ms", "end_ms"), [(-1, None), (2_000, 1_000)])
def test_a_range_that_runs_backwards_is_refused(
    jfk_video: Path, start_ms: int, end_ms: int | None
) -> None:
    with pytest.raises(ValueError, match="not a time range"):
        decode_audio(str(jfk_video), 16_000, start_ms, end_ms)


def test_video_without_audio_stream_is_a_clear_error(tmp_path: Path) -> None:
    silent = write_video(tmp_path / "silent.mp4", [Shot(10, hue=0.1)])
    with pytest.raises(MediaError) as raised:
        decode_audio(str(silent))
    assert raised.value.code == NO_AUDIO_STREAM
    assert "no audio stream" in raised.value.message


def test_audio_stream_without_samples_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    with wave.open(str(path), "wb") as empty:
        empty.setnchannels(1)
        empty.setsampwidth(2)
        empty.setframerate(16_000)
    with pytest.raises(MediaError) as raised:
        decode_audio(str(path))
    assert raised.value.code == EMPTY_AUDIO


@pytest.mark.parametrize("content", [b"", b"this is text, not audio\n" * 50])
def test_non_media_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-media.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError) as raised:
        decode_audio(str(path))
    assert raised.value.code == "unreadable_media"
    assert str(path) in raised.value.message


def _audio_packets(path: Path) -> list[tuple[int, int]]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return [(packet.pos, packet.size) for packet in container.demux(stream) if packet.size]


def _overwrite(source: Path, target: Path, packets: list[tuple[int, int]]) -> Path:
    data = bytearray(source.read_bytes())
    for position, size in packets:
        data[position : position + size] = b"\xff" * size
    target.write_bytes(bytes(data))
    return target


def test_damaged_packets_are_skipped_and_the_rest_stays_in_place(
    jfk_video: Path, tmp_path: Path
) -> None:
    packets = _audio_packets(jfk_video)
    third = len(packets) // 3
    damaged = _overwrite(jfk_video, tmp_path / "damaged.mp4", packets[third : third + 40])
    intact = decode_audio(str(jfk_video))
    audio = decode_audio(str(damaged))
    assert audio.bad_packets == 40
    # the lost ~0.9 s became silence, so what follows the damage is where it was
    assert len(audio.samples) == len(intact.samples)
    tail = slice(-3 * 16_000, None)
    assert np.corrcoef(audio.samples[tail], intact.samples[tail])[0, 1] > 0.99


def test_audio_that_never_decodes_is_a_clear_error(jfk_video: Path, tmp_path: Path) -> None:
    ruined = _overwrite(jfk_video, tmp_path / "ruined.mp4", _audio_packets(jfk_video))
    with pytest.raises(MediaError) as raised:
        decode_audio(str(ruined))
    assert raised.value.code == UNREADABLE_AUDIO


def late_tone(path: Path, late_s: int, rate: int = 16_000) -> Path:
    """3 s of video, and 1 s of a tone from ``late_s`` on."""
    with av.open(str(path), "w") as output:
        video = output.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = output.add_stream("aac", rate=rate)
        audio.layout = "mono"
        for index in range(75):
            image = shot_frame(Shot(75, hue=0.2), index, 64, 48)
            output.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        output.mux(video.encode(None))
        tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
        for start in range(0, rate, 1024):
            frame = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024], format="flt", layout="mono"
            )
            frame.sample_rate, frame.time_base = rate, Fraction(1, rate)
            frame.pts = late_s * rate + start
            output.mux(audio.encode(frame))
        output.mux(audio.encode(None))
    return path


def test_audio_that_starts_late_is_placed_on_the_video_timeline(tmp_path: Path) -> None:
    decoded = decode_audio(str(late_tone(tmp_path / "late.mp4", late_s=2)))
    # AAC's 1024 priming samples (64 ms) come before the first real sample
    assert abs(decoded.start_ms - 2_000) <= 100
    assert abs(decoded.duration_ms - 1000) <= 150


def test_a_range_that_starts_before_the_audio_starts_where_the_audio_does(
    tmp_path: Path,
) -> None:
    path = late_tone(tmp_path / "late.mp4", late_s=2)
    whole = decode_audio(str(path))
    part = decode_audio(str(path), 16_000, 1_000, 2_500)
    assert part.start_ms == whole.start_ms
    assert part.duration_ms == 2_500 - whole.start_ms
