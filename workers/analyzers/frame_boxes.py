"""A detector's box, in the pixels of the analyzed image, as a box of the displayed frame."""

from typing import TYPE_CHECKING

from schemas.base import BoundingBox

if TYPE_CHECKING:
    from pipeline.media.frames import SampledFrame


def box_in_frame(
    frame: "SampledFrame", left: float, top: float, right: float, bottom: float
) -> BoundingBox | None:
    """Scaled to the displayed frame and clipped to it; None when nothing of it is inside."""
    x0, y0 = frame.to_source(left, top)
    x1, y1 = frame.to_source(right, bottom)
    if x1 <= x0 or y1 <= y0:
        return None
    return BoundingBox(x=x0, y=y0, width=x1 - x0, height=y1 - y0)
