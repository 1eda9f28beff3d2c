"""Sampling one frame per second from a 60 s video: FrameSampler (index + seek) against
reading every frame sequentially, with PyAV and with OpenCV, the way a script would.

    .venv/bin/python -m bench.frame_sampler [--size 1280x720] [--gop 250,50]
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from pipeline.media.frames import FrameSampler
from support.synthetic import numbered_frame

FPS, SECONDS, INTERVAL_MS = 25, 60, 1000


def write(path: Path, size: tuple[int, int], gop: int) -> Path:
    width, height = size
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(gop), "crf": "23"}
        for index in range(FPS * SECONDS):
            image = numbered_frame(index, width, height)
            output.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        output.mux(stream.encode(None))
    return path


def sampler(path: Path) -> int:
    with FrameSampler(str(path)) as frames:
        return sum(1 for _ in frames.sample_every(INTERVAL_MS))


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


if __name__ == "__main__":
    main()
