"""The frame offsets index on a 60 s 720p H.264 clip (25 fps, a keyframe every 2 s,
B-frames), every baseline measured in the same run:

- building the index (one demux pass) vs decoding the whole file;
- 100 random frames through the index (read from the keyframe's byte offset, decode
  forward) vs decoding from the start of the file up to each frame;
- loading a 100,000-entry offsets file into arrays vs json.loads into a list of dicts,
  and loading the persisted packet table.

    .venv/bin/python -m bench.frame_index [--seconds 60] [--size 1280x720] [--frames 100]
"""

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np

from pipeline.media.frame_index_store import load_or_build
from pipeline.media.offsets import index_file
from pipeline.media.offsets_file import OffsetIndex, encode_offsets, read_offsets_file
from pipeline.media.random_access import IndexedFrames

FPS, GOP_SECONDS, LARGE_INDEX = 25, 2, 100_000


def write_clip(path: Path, seconds: int, width: int, height: int) -> Path:
    """A moving textured gradient in luma and chroma, so frames differ and B-frames are
    used, with a bitrate like camera footage's rather than like pure noise's."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 239, width * 2, dtype=np.float32)[None, :]
    grain = rng.integers(0, 4, (height * 3 // 2, width * 2))
    texture = (ramp + grain).astype(np.uint8)
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        gop = FPS * GOP_SECONDS
        stream.options = {
            "preset": "ultrafast",
            "crf": "23",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=2",
        }
        for index in range(FPS * seconds):
            shift = (index * 7) % width
            plane = np.ascontiguousarray(texture[:, shift : shift + width])
            output.mux(stream.encode(av.VideoFrame.from_ndarray(plane, format="yuv420p")))
        output.mux(stream.encode(None))
    return path


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def full_decode(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def decode_from_start_to(path: Path, frame_index: int) -> np.ndarray:
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == frame_index:
                return frame.to_ndarray(format="rgb24")
    raise IndexError(frame_index)


def large_index(path: Path) -> Path:
    rng = np.random.default_rng(1)
    offsets = np.cumsum(rng.integers(200, 60_000, LARGE_INDEX)).astype(np.int64)
    keyframes = np.arange(LARGE_INDEX) % (FPS * GOP_SECONDS) == 0
    iraps = np.maximum.accumulate(np.where(keyframes, offsets, -1))
    path.write_bytes(encode_offsets(OffsetIndex("s3://bench/clip.mp4", offsets, iraps)))
    return path


def best_of(runs: int, function: Callable[[], Any]) -> float:
    return min(timed(function)[0] for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=100, help="random frames to fetch")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        clip = write_clip(Path(folder) / "clip.mp4", args.seconds, width, height)
        print(f"{args.size}, {args.seconds} s at {FPS} fps, keyframe every {GOP_SECONDS} s")

        build_s, table = timed(lambda: index_file(clip))
        decode_s, decoded = timed(lambda: full_decode(clip))
        print(f"  index build (demux only)  {build_s:7.3f} s  ({table.frame_count} frames)")
        print(
            f"  full decode               {decode_s:7.3f} s  ({decoded} frames)"
            f"  ratio {decode_s / build_s:.1f}x"
        )

        home = Path(folder) / "home"
        load_or_build(home, "bench", str(clip))
        cached_s = best_of(5, lambda: load_or_build(home, "bench", str(clip)))
        print(f"  persisted table load      {cached_s * 1000:7.2f} ms ({build_s / cached_s:.0f}x)")

        wanted = random.Random(100).sample(range(table.frame_count), args.frames)
        frames = IndexedFrames(table)
        indexed_s, images = timed(lambda: [frames.frame(n) for n in wanted])
        sequential_s, reference = timed(lambda: [decode_from_start_to(clip, n) for n in wanted])
        identical = all(np.array_equal(a, b) for a, b in zip(images, reference, strict=True))
        print(f"  {args.frames} random frames via the index      {indexed_s:7.3f} s")
        print(
            f"  {args.frames} random frames, decode from start {sequential_s:7.3f} s"
            f"  ratio {sequential_s / indexed_s:.1f}x  (pixel-identical: {identical})"
        )

        big = large_index(Path(folder) / "large.offsets.json")
        arrays_s = best_of(5, lambda: read_offsets_file(big))
        dicts_s = best_of(5, lambda: json.loads(big.read_bytes()))
        pretty = Path(folder) / "large-pretty.json"
        pretty.write_text(json.dumps(json.loads(big.read_bytes()), indent=1))
        general_s = best_of(5, lambda: read_offsets_file(pretty))
        size_mb = big.stat().st_size / 1e6
        print(f"  {LARGE_INDEX:,}-entry offsets file ({size_mb:.1f} MB):")
        print(f"    read into int64 arrays (validated)     {arrays_s * 1000:7.2f} ms")
        print(
            f"    json.loads into a list of dicts        {dicts_s * 1000:7.2f} ms"
            f"  ratio {dicts_s / arrays_s:.1f}x"
        )
        print(f"    other JSON layout (general path)       {general_s * 1000:7.2f} ms")
        index = read_offsets_file(big)
        probes = random.Random(2).sample(index.offsets.tolist(), 10_000)
        lookup_s = best_of(3, lambda: [index.position_of_offset(o) for o in probes])
        print(f"    lookup by offset (binary search)       {lookup_s / len(probes) * 1e6:7.2f} us")


if __name__ == "__main__":
    main()
