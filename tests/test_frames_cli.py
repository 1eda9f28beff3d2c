"""`eioku frames index|get|convert` end to end: files written, frames against a full
sequential decode, H.265 conversion, and the errors of bad input."""

import json
import random
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.db.engine import Database
from tests.support.cli import Eioku
from tests.support.offsets_media import (
    MKV,
    MP4,
    RAW_H264,
    RAW_H265,
    ClipKind,
    demuxed_packets,
    sequential_frames,
    write_clip,
)

pytestmark = pytest.mark.slow

FRAMES = 60


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("frames-cli")
    return {
        kind.name: write_clip(folder / f"clip{kind.suffix}", kind)
        for kind in (MP4, MKV, RAW_H264, RAW_H265)
    }


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    return Eioku(db, tmp_path / "home")


def assert_valid_offsets_file(path: Path, video: Path) -> list[dict[str, int]]:
    """The checks every offsets file must pass, against an independent demux of ``video``."""
    document = json.loads(path.read_bytes())
    assert list(document) == ["video_url", "frames"]
    assert document["video_url"] == f"fs://{video.resolve()}"
    frames = document["frames"]
    assert all(list(frame) == ["offset", "irap_offset"] for frame in frames)
    offsets = [frame["offset"] for frame in frames]
    assert offsets == sorted(set(offsets))  # strictly increasing
    data = video.read_bytes()
    packets = demuxed_packets(video)
    assert len(packets) == len(frames)
    for frame, (payload, keyframe) in zip(frames, packets, strict=True):
        assert data[frame["offset"] : frame["offset"] + len(payload)] == payload
        assert keyframe == (frame["offset"] == frame["irap_offset"])
    return frames


@pytest.mark.parametrize("kind", [MP4, MKV, RAW_H264, RAW_H265], ids=lambda kind: kind.name)
def test_index_writes_the_flat_format_once_under_eioku_home(
    eioku: Eioku, clips: dict[str, Path], kind: ClipKind, tmp_path: Path
) -> None:
    video = clips[kind.name]
    first = eioku("frames", "index", str(video))
    assert first.code == 0, first.stderr
    written = Path(first.stdout.strip())
    assert written.parent.parent == tmp_path / "home" / "videos"
    assert written.name == "frames.offsets.json"
    frames = assert_valid_offsets_file(written, video)
    assert sum(frame["offset"] == frame["irap_offset"] for frame in frames) == FRAMES // 12
    assert "60 frames, 5 keyframes" in first.stderr

    modified = written.stat().st_mtime_ns
    again = eioku("frames", "index", str(video))
    assert (again.code, again.stdout) == (0, first.stdout)
    assert written.stat().st_mtime_ns == modified


def test_index_with_another_url_and_output(
    eioku: Eioku, clips: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "exported" / "clip.offsets.json"
    url = "s3://bucket/clip.mp4"
    result = eioku("frames", "index", str(clips["mp4"]), "--video-url", url, "--out", str(out))
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    document = json.loads(out.read_bytes())
    assert document["video_url"] == url
    default = eioku("frames", "index", str(clips["mp4"]))
    assert json.loads(Path(default.stdout.strip()).read_bytes())["frames"] == document["frames"]


@pytest.mark.parametrize("kind", [MP4, RAW_H265], ids=lambda kind: kind.name)
def test_get_gives_the_frames_of_a_full_sequential_decode(
    eioku: Eioku, clips: dict[str, Path], kind: ClipKind, tmp_path: Path
) -> None:
    video = clips[kind.name]
    reference = sequential_frames(video)
    numbers = random.Random(50).sample(range(FRAMES), 50)
    for frame_index in numbers:
        out = tmp_path / f"frame{frame_index}.png"
        result = eioku("frames", "get", str(video), str(frame_index), "--out", str(out))
        assert result.code == 0, result.stderr
        with av.open(str(out)) as image:
            pixels = next(image.decode(video=0)).to_ndarray(format="rgb24")
        assert np.array_equal(pixels, reference[frame_index]), frame_index


def test_get_by_video_id_writes_beside_the_working_directory(
    eioku: Eioku, clips: dict[str, Path], tmp_path: Path
) -> None:
    index = eioku("frames", "index", str(clips["mp4"]))
    video_id = Path(index.stdout.strip()).parent.name
    result = eioku("frames", "get", video_id, "7", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert Path(result.stdout.strip()) == tmp_path / "clip-frame7.png"


def test_bad_input_is_one_error_line(eioku: Eioku, clips: dict[str, Path], tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    cases = [
        (("frames", "get", str(clips["mp4"]), str(FRAMES)), 1, "has 60 frames; no frame 60"),
        (("frames", "get", str(clips["mp4"]), "-1"), 2, ""),
        (("frames", "get", str(tmp_path / "absent.mp4"), "0"), 1, "no video known"),
        (("frames", "index", str(notes)), 1, "not a readable media file"),
        (("frames", "index", str(clips["mp4"]), "--video-url", "bucket/key"), 2, "SCHEME://"),
    ]
    for args, code, message in cases:
        result = eioku(*args)
        assert result.code == code, (args, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_convert_writes_a_playable_h265_stream_and_its_offsets(
    eioku: Eioku, clips: dict[str, Path], tmp_path: Path
) -> None:
    output = tmp_path / "clip.h265"
    args = ("frames", "convert", str(clips["mp4"]), "--output", str(output), "--extract-offsets")
    result = eioku(*args, "--gop", "10", "--preset", "ultrafast")
    assert result.code == 0, result.stderr
    offsets_file = tmp_path / "clip.h265.offsets.json"
    assert result.stdout.split() == [str(output), str(offsets_file)]
    with av.open(str(output)) as container:
        assert container.format.name == "hevc"
        assert container.streams.video[0].codec_context.name == "hevc"
    decoded = sequential_frames(output)
    assert len(decoded) == FRAMES
    assert decoded[0].shape == sequential_frames(clips["mp4"])[0].shape
    frames = assert_valid_offsets_file(offsets_file, output)
    assert sum(frame["offset"] == frame["irap_offset"] for frame in frames) == FRAMES // 10
    # a client holding only the offsets file reads from the last IRAP on and decodes
    last_gop = output.read_bytes()[frames[-1]["irap_offset"] :]
    decoder = av.CodecContext.create("hevc", "r")
    packets = [*decoder.parse(last_gop), *decoder.parse(None)]  # None: the last one too
    pictures = [f for packet in [*packets, None] for f in decoder.decode(packet)]
    assert len(pictures) == 10
    for picture, expected in zip(pictures, decoded[-10:], strict=True):
        assert np.array_equal(picture.to_ndarray(format="rgb24"), expected)

    before = output.read_bytes()
    refused = eioku(*args)
    assert refused.code == 1 and "pass --force to overwrite" in refused.stderr
    assert output.read_bytes() == before
    forced = eioku(*args, "--force", "--gop", "30", "--preset", "ultrafast")
    assert forced.code == 0, forced.stderr
    frames = json.loads(offsets_file.read_bytes())["frames"]
    assert sum(frame["offset"] == frame["irap_offset"] for frame in frames) == FRAMES // 30


def test_convert_refuses_bad_input(eioku: Eioku, clips: dict[str, Path], tmp_path: Path) -> None:
    output = tmp_path / "out.h265"
    missing = eioku("frames", "convert", str(tmp_path / "absent.mp4"), "--output", str(output))
    assert missing.code == 1 and "no such file" in missing.stderr
    preset = eioku("frames", "convert", str(clips["mp4"]), "-o", str(output), "--preset", "x")
    assert preset.code == 2 and "--preset 'x'" in preset.stderr
    assert not output.exists()
