"""Brightness and motion of sampled frames, on their luma scaled down to a fixed height."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.frame_selection.choose import SampleMetrics

if TYPE_CHECKING:
    from pipeline.media.frames import SampledFrame

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)  # BT.601


def luma_plane(rgb: np.ndarray, height: int) -> np.ndarray:
    """Luma in [0, 1], scaled (never enlarged) to ``height`` rows."""
    import cv2

    luma = rgb.astype(np.float32) @ LUMA_WEIGHTS / 255.0
    if luma.shape[0] > height:
        width = max(round(luma.shape[1] * height / luma.shape[0]), 1)
        luma = cv2.resize(luma, (width, height), interpolation=cv2.INTER_AREA)
    return luma


def frame_difference(previous: np.ndarray, current: np.ndarray, method: str) -> float:
    """Mean absolute luma difference, or the mean edge strength (Sobel magnitude) of the
    difference: edges of moving things, not flat exposure changes."""
    import cv2

    difference = current - previous
    if method == "absdiff":
        return float(np.abs(difference).mean())
    dx = cv2.Sobel(difference, cv2.CV_32F, 1, 0, ksize=3)
    dy = cv2.Sobel(difference, cv2.CV_32F, 0, 1, ksize=3)
    return float(np.sqrt(dx * dx + dy * dy).mean())


def smoothed(values: list[float], radius: int) -> list[float]:
    """The mean over ±``radius`` neighbours (fewer at the ends)."""
    if radius == 0 or not values:
        return list(values)
    sums = np.concatenate([[0.0], np.cumsum(values)])
    count = len(values)
    return [
        float(sums[min(i + radius + 1, count)] - sums[max(i - radius, 0)])
        / (min(i + radius + 1, count) - max(i - radius, 0))
        for i in range(count)
    ]


def measure(
    frames: Iterable["SampledFrame"],
    height: int,
    method: Literal["edge", "absdiff"],
    radius: int,
) -> SampleMetrics:
    """Metrics of the frames in the order given; a frame's motion is its difference from
    the previous sample (the first sample has none: 0)."""
    indices: list[int] = []
    luma: list[float] = []
    motion: list[float] = []
    previous: np.ndarray | None = None
    for frame in frames:
        plane = luma_plane(frame.image, height)
        indices.append(frame.frame_index)
        luma.append(float(plane.mean()))
        if previous is not None and previous.shape == plane.shape:
            motion.append(frame_difference(previous, plane, method))
        else:
            motion.append(0.0)
        previous = plane
    return SampleMetrics(indices, luma, motion, smoothed(motion, radius))
