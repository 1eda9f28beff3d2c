"""One decoded frame of a video as JPEG."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from pipeline.api.dependencies import Context, PathVideo
from pipeline.api.errors import ApiError, not_found
from pipeline.api.frame_index import indexed_frames
from pipeline.api.routers import API_PREFIX
from pipeline.db.models import Video
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import stat_media_file
from schemas.base import MAX_JSON_SAFE_INT

router = APIRouter(prefix=API_PREFIX, tags=["frames"])

JPEG_QUALITY = 90


@router.get(
    "/videos/{video_id}/frames/{frame_index}.jpg",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "the frame, full size"},
        409: {"description": "the file changed since it was analyzed"},
    },
)
def get_frame(
    video: PathVideo,
    context: Context,
    frame_index: Annotated[
        int, Path(ge=0, le=MAX_JSON_SAFE_INT, description="frame number in presentation order")
    ],
) -> Response:
    """Frame `frame_index` (0-based, presentation order), found through the video's
    persisted frame index: only the packets from the keyframe before it are read and
    decoded. 404 past the end."""
    _check_unchanged(video)
    frame = indexed_frames(context.settings, video).frame(frame_index)
    if frame is None:
        raise not_found("frame_not_found", f"video has no frame {frame_index}", "frame_index")
    return Response(_jpeg(frame), media_type="image/jpeg")


def _check_unchanged(video: Video) -> None:
    try:
        stat = stat_media_file(video.path)
    except MediaError as exc:
        raise not_found("video_file_unavailable", exc.message) from None
    if (stat.size_bytes, stat.mtime_ns) != (video.size_bytes, video.mtime_ns):
        raise ApiError(409, "input_changed", f"{video.path} changed since it was registered")


def _jpeg(rgb: object) -> bytes:
    import cv2

    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded.tobytes())
