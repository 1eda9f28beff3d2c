"""How a decoded picture is shown: stretched by its sample aspect ratio (non-square
pixels) and turned by the stream's display matrix (phones record upright video as a
landscape picture plus a rotation). Every frame an analyzer sees, and every coordinate it
reports, is in the frame as displayed (docs/ARCHITECTURE.md, "Frames")."""

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np


@dataclass(frozen=True)
class DisplayGeometry:
    pixel_aspect: Fraction  # sample aspect ratio: width of a stored pixel / its height
    quarter_turns: int  # counter-clockwise quarter turns from stored to displayed, 0..3

    def size(self, stored_width: int, stored_height: int) -> tuple[int, int]:
        """The displayed (width, height) of a stored picture of this size."""
        width = max(round(stored_width * self.pixel_aspect), 1)
        return (stored_height, width) if self.quarter_turns % 2 else (width, stored_height)

    def upright(self, displayed_width: int, displayed_height: int) -> tuple[int, int]:
        """The size to scale a stored picture to, before turning, so that it shows as
        ``displayed_width`` x ``displayed_height``."""
        if self.quarter_turns % 2:
            return displayed_height, displayed_width
        return displayed_width, displayed_height

    def turn(self, image: np.ndarray) -> np.ndarray:
        if not self.quarter_turns:
            return image
        return np.ascontiguousarray(np.rot90(image, k=self.quarter_turns))


def geometry_of(stream: av.VideoStream, frame: av.VideoFrame) -> DisplayGeometry:
    return DisplayGeometry(pixel_aspect_of(stream), quarter_turns_of(frame.rotation))


def pixel_aspect_of(stream: av.VideoStream) -> Fraction:
    """The stream's sample aspect ratio; 1 where it is unset or nonsense."""
    for ratio in (stream.sample_aspect_ratio, stream.codec_context.sample_aspect_ratio):
        if ratio and 0 < ratio < 100:
            return Fraction(ratio)
    return Fraction(1)


def quarter_turns_of(rotation_degrees: float) -> int:
    """A display-matrix rotation (counter-clockwise degrees) as quarter turns; angles that
    are not a multiple of 90 are rounded to the nearest one."""
    return round(rotation_degrees / 90) % 4
