"""Bounds on what frame requests may cost the server: at most N frames decoded at once
(a request that cannot get a slot within a second is 503 `busy`), and no frame larger
than a pixel budget (413 `frame_too_large`), checked against the probed size before
anything is decoded."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.api.errors import ApiError
from pipeline.db.models import Video

SLOT_WAIT_S = 1.0
RETRY_AFTER_S = "1"


class FrameDecodeSlots:
    def __init__(self, slots: int, wait_s: float = SLOT_WAIT_S) -> None:
        self._semaphore = threading.BoundedSemaphore(slots)
        self._wait_s = wait_s

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=self._wait_s):
            raise ApiError(
                503,
                "busy",
                "too many frames are being decoded; retry shortly",
                headers={"Retry-After": RETRY_AFTER_S},
            )
        try:
            yield
        finally:
            self._semaphore.release()


def check_frame_size(video: Video, max_pixels: int) -> None:
    pixels = (video.width or 0) * (video.height or 0)
    if pixels > max_pixels:
        raise ApiError(
            413,
            "frame_too_large",
            f"frames of {video.width}x{video.height} exceed the {max_pixels} pixel limit "
            "(EIOKU_API_MAX_FRAME_PIXELS)",
        )
