"""An RGB image as a PNG file's bytes, encoded by PyAV's own PNG encoder."""

from fractions import Fraction

import av
import numpy as np


def png_bytes(image: np.ndarray) -> bytes:
    """``image``: RGB uint8, height x width x 3."""
    rgb = av.VideoFrame.from_ndarray(image, format="rgb24")
    encoder = av.CodecContext.create("png", "w")
    encoder.width, encoder.height, encoder.pix_fmt = rgb.width, rgb.height, "rgb24"
    encoder.time_base = Fraction(1, 25)  # opening an encoder needs one; a still ignores it
    return b"".join(bytes(packet) for packet in [*encoder.encode(rgb), *encoder.encode(None)])
