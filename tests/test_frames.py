"""The frame sampler against a full sequential decode of generated videos, including
variable-frame-rate ones with B-frames, damaged ones and ones without timestamps."""

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.media.errors import MediaError
from pipeline.media.frames import FrameSampler
from support.synthetic import numbered_frame, write_vfr_video

# irregular gaps: 40 ms, 10 ms, 480 ms, 33/34 ms, a 734 ms hole, ...
VFR_TIMES = [0, 40, 80, 200, 210, 220, 700, 733, 766, 1500, 1510, 2000, 2040, 2080, 2120]
VFR_TIMES += [2700, 3000, 3400, 3410, 3420, 4000, 4100, 4140, 4180, 4990]
SIZE = (96, 64)


@pytest.fixture(scope="module", params=[0, 2], ids=["no-bframes", "bframes"])
def vfr_video(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("frames") / f"vfr-{request.param}.mp4"
    return write_vfr_video(path, VFR_TIMES, size=SIZE, gop=5, bframes=request.param)


@pytest.fixture(scope="module")
def long_gop_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s at 25 fps, a keyframe every second, index first (a truncated copy opens)."""
    path = tmp_path_factory.mktemp("frames") / "cfr.mp4"
    times = [index * 40 for index in range(500)]
    return write_vfr_video(path, times, size=SIZE, gop=25, faststart=True)


def sequential_decode(path: Path) -> list[tuple[int, np.ndarray]]:
    """Every frame, decoded front to back: (PTS in ms, RGB image)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin = stream.start_time or 0
        return [
            (
                round((frame.pts - origin) * Fraction(stream.time_base) * 1000),
                frame.to_ndarray(format="rgb24"),
            )
            for frame in container.decode(stream)
        ]


def test_timestamps_are_the_pts_and_indices_exact(vfr_video: Path) -> None:
    reference = sequential_decode(vfr_video)
    assert [time for time, _ in reference] == VFR_TIMES  # the generator did what it says
    with FrameSampler(str(vfr_video)) as sampler:
        every = list(sampler.sample_every(1))
        assert sampler.frame_count == len(VFR_TIMES)
        assert sampler.frames_end_ms >= VFR_TIMES[-1]
        assert sampler.duration_ms >= sampler.frames_end_ms
    assert [frame.timestamp_ms for frame in every] == VFR_TIMES
    assert [frame.frame_index for frame in every] == list(range(len(VFR_TIMES)))


def test_seeked_frames_are_pixel_identical_to_a_sequential_decode(vfr_video: Path) -> None:
    reference = sequential_decode(vfr_video)
    wanted = [4990, 3405, 2000, 730, 60, 4150, 1499]
    with FrameSampler(str(vfr_video)) as sampler:
        sampled = list(sampler.sample_at(wanted))
        assert sampler.skipped_frames == []
    shown = [max(i for i, t in enumerate(VFR_TIMES) if t <= time) for time in sorted(wanted)]
    assert [frame.frame_index for frame in sampled] == shown
    for frame in sampled:
        time, image = reference[frame.frame_index]
        assert frame.timestamp_ms == time
        assert frame.image.dtype == np.uint8 and frame.image.shape == (64, 96, 3)
        assert np.array_equal(frame.image, image), frame.frame_index


def test_sample_every_takes_the_first_frame_at_or_after_each_instant(vfr_video: Path) -> None:
    with FrameSampler(str(vfr_video)) as sampler:
        sampled = list(sampler.sample_every(500))
    # instants 0, 500, 1000, ... 4500; 1000 and 1500 both land on the frame at 1500
    assert [frame.timestamp_ms for frame in sampled] == [0, 700, 1500, 2000, 2700, 3000, 4000, 4990]
    assert [frame.timestamp_ms for frame in sampled] == [
        VFR_TIMES[frame.frame_index] for frame in sampled
    ]


def test_regular_spacing_and_seeking_decodes_only_what_is_needed(long_gop_video: Path) -> None:
    reference = sequential_decode(long_gop_video)
    with FrameSampler(str(long_gop_video)) as sampler:
        sampled = list(sampler.sample_every(2000))
        decoded = sampler.decoded_count
    assert [frame.timestamp_ms for frame in sampled] == list(range(0, 20000, 2000))
    assert [frame.frame_index for frame in sampled] == list(range(0, 500, 50))
    for frame in sampled:
        assert np.array_equal(frame.image, reference[frame.frame_index][1])
    # each sample sits on a keyframe: little beyond the samples themselves gets decoded
    assert decoded < 3 * len(sampled)


def test_samples_between_keyframes_decode_forward_from_the_keyframe(
    long_gop_video: Path,
) -> None:
    reference = sequential_decode(long_gop_video)
    with FrameSampler(str(long_gop_video)) as sampler:
        sampled = list(sampler.sample_at([19960, 10500, 10600]))
        decoded = sampler.decoded_count
    assert [frame.frame_index for frame in sampled] == [262, 265, 499]
    for frame in sampled:
        assert np.array_equal(frame.image, reference[frame.frame_index][1])
    # keyframes at 250 and 475: frames 250..265 and 475..499, plus decoder look-ahead
    assert decoded <= 16 + 25 + 10


def test_sample_at_edges(vfr_video: Path) -> None:
    with FrameSampler(str(vfr_video)) as sampler:
        assert sampler.duration_ms >= VFR_TIMES[-1]
        sampled = list(sampler.sample_at([0, 5, 5, 39, sampler.duration_ms + 1]))
        assert [frame.frame_index for frame in sampled] == [0]
        assert list(sampler.sample_at([])) == []
        with pytest.raises(ValueError):
            list(sampler.sample_at([-1]))
        with pytest.raises(ValueError):
            list(sampler.sample_every(0))


def test_downscaling_and_mapping_back_to_source_pixels(tmp_path: Path) -> None:
    width, height = 320, 180
    path = write_vfr_video(tmp_path / "big.mp4", [0, 40, 80], size=(width, height), gop=3)
    with FrameSampler(str(path), max_side=100) as sampler:
        frame = next(iter(sampler.sample_at([80])))
    assert frame.image.shape == (56, 100, 3)
    assert frame.scale_x == pytest.approx(3.2) and frame.scale_y == pytest.approx(180 / 56)
    # the bright square of numbered_frame(2), found in the small image, lands on the
    # square's place in the source
    source = numbered_frame(2, width, height)
    ys, xs = np.nonzero(source.min(axis=2) == 255)
    small_ys, small_xs = np.nonzero(frame.image.min(axis=2) > 200)
    left, top = frame.to_source(small_xs.min(), small_ys.min())
    right, bottom = frame.to_source(small_xs.max() + 1, small_ys.max() + 1)
    assert left == pytest.approx(xs.min(), abs=4) and top == pytest.approx(ys.min(), abs=4)
    assert right == pytest.approx(xs.max() + 1, abs=4)
    assert bottom == pytest.approx(ys.max() + 1, abs=4)
    with FrameSampler(str(path), max_side=1000) as sampler:
        full = next(iter(sampler.sample_at([0])))
    assert full.image.shape == (height, width, 3) and full.to_source(10, 20) == (10, 20)


def test_a_corrupt_keyframe_mid_video_is_skipped_not_fatal(
    long_gop_video: Path, tmp_path: Path
) -> None:
    with av.open(str(long_gop_video)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    data = bytearray(long_gop_video.read_bytes())
    position, size = packets[250]  # the keyframe at 10 s
    data[position : position + size] = b"\xff" * size
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with FrameSampler(str(damaged)) as sampler:
        sampled = list(sampler.sample_every(1000))
        skipped = sampler.skipped_frames
    assert 250 in skipped
    assert [frame.frame_index for frame in sampled] == [
        index for index in range(0, 500, 25) if index not in skipped
    ]


def test_a_truncated_file_stops_cleanly_where_its_data_ends(
    long_gop_video: Path, tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.mp4"
    with av.open(str(long_gop_video)) as container:
        frame_300 = [packet for packet in container.demux(video=0) if packet.size][300]
        assert frame_300.pts * frame_300.time_base == 12
        end_of_frame_300 = frame_300.pos + frame_300.size
    truncated.write_bytes(long_gop_video.read_bytes()[:end_of_frame_300])
    with FrameSampler(str(truncated)) as sampler:
        assert sampler.duration_ms == 20000  # as declared
        assert sampler.last_frame_ms == 12000  # what the file still holds
        assert sampler.frames_end_ms == 12040
        sampled = list(sampler.sample_every(1000))
        assert sampler.skipped_frames == []
    assert [frame.timestamp_ms for frame in sampled] == list(range(0, 12001, 1000))


def test_a_stream_without_timestamps_is_decoded_in_order(
    long_gop_video: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw.h264"
    with av.open(str(long_gop_video)) as source, av.open(str(raw), "w", format="h264") as out:
        stream = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(video=0):
            if packet.size:
                packet.stream = stream
                out.mux(packet)
    reference = sequential_decode(long_gop_video)
    with FrameSampler(str(raw)) as sampler:
        sampled = list(sampler.sample_every(4000))
        again = list(sampler.sample_at([2000]))
    assert [frame.timestamp_ms for frame in sampled] == [0, 4000, 8000, 12000, 16000]
    for frame in [*sampled, *again]:
        assert np.array_equal(frame.image, reference[frame.frame_index][1])
    assert again[0].frame_index == 50


def test_what_is_not_a_video_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    with pytest.raises(MediaError) as raised:
        FrameSampler(str(notes))
    assert raised.value.code == "unreadable_media"
