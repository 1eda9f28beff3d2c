"""What the endpoints that read a video file share: the file's checked real path, the
video's persisted frame index, and JPEG encoding."""

from typing import TYPE_CHECKING

from pipeline.api.errors import ApiError, not_found
from pipeline.api.roots import real_path_under
from pipeline.db.models import Video
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import stat_media_file
from pipeline.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from pipeline.media.offsets import PacketTable
    from pipeline.media.random_access import IndexedFrames

JPEG_QUALITY = 90


def readable_path(settings: Settings, video: Video) -> str:
    """The real path of the video's file: 403 when it is not (or no longer) under an
    allowed root, 404 when it is gone, 409 when it changed since it was registered. Callers
    read this path, not the stored one, so no link swapped in since is followed."""
    real = real_path_under(video.path, settings.allowed_roots)
    if real is None:
        raise ApiError(403, "path_not_allowed", "the video file is outside the allowed roots")
    try:
        stat = stat_media_file(str(real))
    except MediaError as exc:
        raise not_found("video_file_unavailable", exc.message) from None
    if (stat.size_bytes, stat.mtime_ns) != (video.size_bytes, video.mtime_ns):
        raise ApiError(409, "input_changed", f"{video.path} changed since it was registered")
    return str(real)


def packet_table(settings: Settings, video: Video, path: str) -> "PacketTable":
    """Built and persisted on first use, read afterwards. A file that cannot be indexed
    raises its MediaError (422 with the error's code)."""
    from pipeline.media.frame_index_store import load_or_build  # PyAV only when used

    return load_or_build(settings.home, video.video_id, path)


def indexed_frames(settings: Settings, video: Video, path: str) -> "IndexedFrames":
    """Random access to the video's frames by byte offset."""
    from pipeline.media.random_access import IndexedFrames

    return IndexedFrames(packet_table(settings, video, path))


def jpeg(rgb: "np.ndarray") -> bytes:
    import cv2

    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded.tobytes())
