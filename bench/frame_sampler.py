"""Sampling one frame per second from a 60 s video: FrameSampler (index + seek) against
reading every frame sequentially, with PyAV and with OpenCV, the way a script would; and
FrameSampler's skipping of the non-reference frames nobody asked for, and codec threads on
every usable core, against plain decoding, on a video with B-frames.

    .venv/bin/python -m bench.frame_sampler [--size 1280x720] [--gop 250,50]
"""

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np

from pipeline.media.frames import FrameSampler
from support.synthetic import numbered_frame

FPS, SECONDS, INTERVAL_MS = 25, 60, 1000


def write(path: Path, size: tuple[int, int], gop: int, b_frames: int = 0) -> Path:
    """``b_frames`` between references, always (as camera and web footage has them)."""
    width, height = size
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(gop), "crf": "23"}
        if b_frames:
            pattern = f"b-adapt=0:bframes={b_frames}:b-pyramid=none"
            stream.options = {**stream.options, "preset": "medium", "x264-params": pattern}
        for index in range(FPS * SECONDS):
            image = numbered_frame(index, width, height)
            output.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        output.mux(stream.encode(None))
    return path


def sampler(path: Path) -> int:
    with FrameSampler(str(path)) as frames:
        return sum(1 for _ in frames.sample_every(INTERVAL_MS))


def decoded_by(path: Path, **decoding: Any) -> tuple[float, int, list[np.ndarray]]:
    """Seconds, frames decoded and the frames sampled, with these FrameSampler options."""
    began = time.perf_counter()
    with FrameSampler(str(path), **decoding) as frames:
        images = [frame.image for frame in frames.sample_every(INTERVAL_MS)]
        return time.perf_counter() - began, frames.decoded_count, images


def pyav_sequential(path: Path) -> int:
    step, taken = FPS * INTERVAL_MS // 1000, 0
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % step == 0:
                frame.to_ndarray(format="rgb24")
                taken += 1
    return taken


def opencv_sequential(path: Path) -> int:
    import cv2

    capture, step, taken, index = cv2.VideoCapture(str(path)), FPS * INTERVAL_MS // 1000, 0, 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        if index % step == 0:
            np.ascontiguousarray(image[:, :, ::-1])
            taken += 1
        index += 1
    capture.release()
    return taken


def timed(function: Callable[[Path], int], path: Path) -> tuple[float, int]:
    began = time.perf_counter()
    count = function(path)
    return time.perf_counter() - began, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--gop", default="250,50", help="keyframe intervals (frames) to try")
    args = parser.parse_args()
    size = tuple(int(part) for part in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        for gop in (int(value) for value in args.gop.split(",")):
            path = write(Path(folder) / f"gop{gop}.mp4", size, gop)  # type: ignore[arg-type]
            ours, samples = timed(sampler, path)
            print(f"{args.size}, {SECONDS} s at {FPS} fps, keyframe every {gop} frames:")
            print(f"  FrameSampler      {ours:6.2f} s  ({samples} frames)")
            for name, baseline in (
                ("PyAV sequential", pyav_sequential),
                ("OpenCV sequential", opencv_sequential),
            ):
                seconds, count = timed(baseline, path)
                print(
                    f"  {name:17} {seconds:6.2f} s  ({count} frames)  ratio {seconds / ours:.2f}x"
                )
        economies(Path(folder), size, max(int(value) for value in args.gop.split(",")))


def economies(folder: Path, size: tuple[int, int], gop: int) -> None:
    path = write(folder / "bframes.mp4", size, gop, b_frames=3)
    plain = decoded_by(path, threads=1, skip_unwanted=False)
    print(f"{size[0]}x{size[1]} with 3 B-frames between references, every {INTERVAL_MS} ms:")
    print(f"  plain decoding (1 thread, every frame)   {plain[0]:6.2f} s  {plain[1]} decoded")
    cores = len(os.sched_getaffinity(0))
    for name, options in (
        ("non-reference frames skipped", {}),
        (f"codec threads ({cores} cores) + skipped", {"threads": cores}),
    ):
        seconds, decoded, images = decoded_by(path, **options)
        same = all(np.array_equal(a, b) for a, b in zip(images, plain[2], strict=True))
        print(f"  {name:40} {seconds:6.2f} s  {decoded} decoded  ratio "
              f"{plain[0] / seconds:.2f}x  same frames: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
