"""The frame offsets index of generated clips (MP4, MOV, MKV with audio; raw H.264 and
H.265) against an independent PyAV demux and a full sequential decode."""

import json
import random
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest

from pipeline.media import random_access
from pipeline.media.errors import MediaError
from pipeline.media.frame_index_store import load_or_build, offsets_path
from pipeline.media.offsets import _packet_rows, index_file, scan_packets
from pipeline.media.offsets_file import read_offsets_file
from pipeline.media.packet_decoder import PacketSource, decoded_frames
from pipeline.media.random_access import IndexedFrames, NotAnIndexEntryError
from tests.support.offsets_media import (
    CLIP_KINDS,
    MKV,
    MP4,
    RAW_H265,
    ClipKind,
    demuxed_packets,
    sequential_frames,
    write_clip,
)

FRAMES, GOP = 60, 12

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=CLIP_KINDS, ids=[kind.name for kind in CLIP_KINDS])
def clip(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    kind: ClipKind = request.param
    return write_clip(tmp_path_factory.mktemp("offsets") / f"clip{kind.suffix}", kind)


def test_offsets_are_the_packets_positions_and_keyframes_are_their_own_irap(clip: Path) -> None:
    scan = scan_packets(str(clip))
    offsets, iraps = scan.source.offsets, scan.irap_offsets
    packets = demuxed_packets(clip)
    data = clip.read_bytes()
    assert len(offsets) == len(packets) == FRAMES
    assert np.all(np.diff(offsets) > 0)
    for offset, size, (payload, _) in zip(offsets, scan.source.sizes, packets, strict=True):
        assert data[offset : offset + size] == payload
    assert [bool(key) for _, key in packets] == (offsets == iraps).tolist()
    last_key = -1
    for offset, irap, (_, keyframe) in zip(offsets, iraps, packets, strict=True):
        last_key = offset if keyframe else last_key
        assert irap == last_key


def test_the_known_gop_gives_a_keyframe_every_gop_frames_in_presentation_order(
    clip: Path,
) -> None:
    table = index_file(clip)
    keyframe_packets = np.flatnonzero(table.source.offsets == table.scan.irap_offsets)
    shown_as = np.argsort(table.presentation)  # packet position -> frame index
    assert sorted(shown_as[keyframe_packets].tolist()) == list(range(0, FRAMES, GOP))
    assert table.frame_count == FRAMES
    # B-frames: file order and presentation order differ
    assert table.presentation.tolist() != list(range(FRAMES))


def test_frames_by_offset_are_pixel_identical_to_a_sequential_decode(clip: Path) -> None:
    reference = sequential_frames(clip)
    frames = IndexedFrames(index_file(clip))
    for frame_index in random.Random(11).sample(range(FRAMES), 50):
        frame = frames.frame(frame_index)
        assert frame is not None
        assert np.array_equal(frame, reference[frame_index])
    assert frames.frame(FRAMES) is None


def test_a_frame_is_decoded_from_its_irap_not_from_the_start(
    clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = index_file(clip)
    last = int(table.presentation[-1])
    offset, irap = int(table.source.offsets[last]), int(table.scan.irap_offsets[last])
    decoded: list[int] = []

    def recording(source: PacketSource, positions: range) -> Iterator[tuple[int, av.VideoFrame]]:
        decoded.extend(positions)
        return decoded_frames(source, positions)

    monkeypatch.setattr(random_access, "decoded_frames", recording)
    frame = IndexedFrames(table).frame_at_offsets(offset, irap)
    assert frame is not None
    assert np.array_equal(frame, sequential_frames(clip)[-1])
    assert min(decoded) == int(np.searchsorted(table.source.offsets, irap)) > 0
    with pytest.raises(NotAnIndexEntryError):
        IndexedFrames(table).frame_at_offsets(offset, offset)


@pytest.mark.parametrize(
    ("kind", "rotation", "pixel_aspect"),
    [(MP4, 90, Fraction(1)), (MKV, 0, Fraction(2))],
    ids=["rotated-mp4", "anamorphic-mkv"],
)
def test_frames_are_shown_as_the_frame_sampler_shows_them(
    tmp_path: Path, kind: ClipKind, rotation: int, pixel_aspect: Fraction
) -> None:
    from pipeline.media.frames import FrameSampler

    path = tmp_path / f"clip{kind.suffix}"
    write_clip(path, kind, rotation=rotation, pixel_aspect=pixel_aspect)
    frames = IndexedFrames(index_file(path))
    with FrameSampler(str(path)) as sampler:
        for frame_index in (0, 7, 30, FRAMES - 1):
            shown = sampler.frame_at_index(frame_index)
            assert shown is not None
            image = frames.frame(frame_index)
            assert image is not None
            assert image.shape == shown.image.shape != (48, 64, 3)
            assert np.array_equal(image, shown.image)


def test_the_index_is_computed_once_and_read_afterwards(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "clip.h265", RAW_H265)
    first = load_or_build(tmp_path / "home", "v1", str(path))
    stored = offsets_path(tmp_path / "home", "v1")
    written = stored.stat().st_mtime_ns
    path.unlink()  # a second use must not need the video to build anything
    again = load_or_build(tmp_path / "home", "v1", str(path))
    assert stored.stat().st_mtime_ns == written
    assert np.array_equal(again.presentation, first.presentation)
    assert np.array_equal(again.source.sizes, first.source.sizes)
    assert again.source.extradata == first.source.extradata
    document = json.loads(stored.read_bytes())
    assert set(document) == {"video_url", "frames"}
    assert document["video_url"] == f"fs://{path.resolve()}"
    assert all(set(frame) == {"offset", "irap_offset"} for frame in document["frames"])
    assert read_offsets_file(stored).offsets.tolist() == first.source.offsets.tolist()


def test_an_unreadable_stored_table_is_rebuilt(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "clip.mp4", MP4)
    built = load_or_build(tmp_path / "home", "v1", str(path))
    table_file = offsets_path(tmp_path / "home", "v1").with_name("frames.packets.npz")
    for damage in (b"not a zip", table_file.read_bytes()[:100]):
        table_file.write_bytes(damage)
        rebuilt = load_or_build(tmp_path / "home", "v1", str(path))
        assert np.array_equal(rebuilt.presentation, built.presentation)


def test_a_packet_without_byte_position_fails_naming_the_container() -> None:
    packet = SimpleNamespace(size=10, pos=None)
    container = SimpleNamespace(format=SimpleNamespace(name="rtp"), demux=lambda _: [packet])
    with pytest.raises(MediaError, match="rtp demuxer gives no byte position") as caught:
        _packet_rows("in.sdp", container, None, b"")  # type: ignore[arg-type]
    assert caught.value.code == "no_byte_positions"


def test_what_is_not_a_video_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(MediaError, match="not a readable media file"):
        scan_packets(str(text))
