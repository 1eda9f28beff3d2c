"""The persisted frame index of a video, for the endpoints that decode single frames."""

from typing import TYPE_CHECKING

from pipeline.api.errors import ApiError
from pipeline.db.models import Video
from pipeline.media.errors import MediaError
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.media.offsets import PacketTable
    from pipeline.media.random_access import IndexedFrames


def packet_table(settings: Settings, video: Video) -> "PacketTable":
    """Built and persisted on first use, read afterwards. A file that cannot be indexed
    is 422 with the media error's code."""
    from pipeline.media.frame_index_store import load_or_build  # PyAV only when used

    try:
        return load_or_build(settings.home, video.video_id, video.path)
    except MediaError as exc:
        raise ApiError(422, exc.code, exc.message) from None


def indexed_frames(settings: Settings, video: Video) -> "IndexedFrames":
    """Random access to the video's frames by byte offset."""
    from pipeline.media.random_access import IndexedFrames

    return IndexedFrames(packet_table(settings, video))
