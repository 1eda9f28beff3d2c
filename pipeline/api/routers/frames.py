"""One decoded frame of a video as JPEG."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from pipeline.api.dependencies import Context, PathVideo
from pipeline.api.errors import ApiError, not_found
from pipeline.api.frame_limits import check_frame_size
from pipeline.api.models import ErrorResponse
from pipeline.api.roots import real_path_under
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
        403: {"model": ErrorResponse, "description": "file outside the allowed roots"},
        409: {"model": ErrorResponse, "description": "the file changed since it was analyzed"},
        413: {"model": ErrorResponse, "description": "frame larger than the pixel limit"},
        503: {"model": ErrorResponse, "description": "too many frames decoding at once"},
    },
)
def get_frame(
    context: Context,
    video: PathVideo,
    frame_index: Annotated[
        int, Path(ge=0, le=MAX_JSON_SAFE_INT, description="frame number in presentation order")
    ],
) -> Response:
    """Frame `frame_index` (0-based, presentation order), found through the video's packet
    index: only the frames from the keyframe before it are decoded. 404 past the end, 403
    when the file's real path is not under an allowed root (any more)."""
    settings = context.settings
    real = real_path_under(video.path, settings.allowed_roots)
    if real is None:
        raise ApiError(403, "path_not_allowed", "the video file is outside the allowed roots")
    check_frame_size(video, settings.max_frame_pixels)
    _check_unchanged(video, str(real))
    from pipeline.media.frames import FrameSampler  # PyAV and numpy only when used

    try:  # the checked real path, not the stored one: no link swapped in since is followed
        with context.frame_slots.slot(), FrameSampler(str(real)) as sampler:
            frame = sampler.frame_at_index(frame_index)
    except MediaError as exc:
        raise not_found("video_file_unavailable", exc.message) from None
    if frame is None:
        raise not_found("frame_not_found", f"video has no frame {frame_index}", "frame_index")
    return Response(_jpeg(frame.image), media_type="image/jpeg")


def _check_unchanged(video: Video, real_path: str) -> None:
    try:
        stat = stat_media_file(real_path)
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
