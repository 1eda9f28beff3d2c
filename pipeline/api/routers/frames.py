"""One decoded frame of a video as JPEG."""

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.orm import Session

from pipeline.api.dependencies import Context, VideoIdPath, find_video
from pipeline.api.errors import not_found
from pipeline.api.frame_index import indexed_frames, jpeg, readable_path
from pipeline.api.frame_limits import check_frame_size
from pipeline.api.models import ErrorResponse
from pipeline.api.routers import API_PREFIX
from schemas.base import MAX_JSON_SAFE_INT

router = APIRouter(prefix=API_PREFIX, tags=["frames"])

# what every endpoint that decodes a frame may answer besides 200
FRAME_ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorResponse, "description": "file outside the allowed roots"},
    409: {"model": ErrorResponse, "description": "the file changed since it was registered"},
    413: {"model": ErrorResponse, "description": "frame larger than the pixel limit"},
    503: {"model": ErrorResponse, "description": "too many frames decoding at once"},
}


@router.get(
    "/videos/{video_id}/frames/{frame_index}.jpg",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "the frame, full size"},
        **FRAME_ERRORS,
    },
)
async def get_frame(
    context: Context,
    video_id: VideoIdPath,
    frame_index: Annotated[
        int, Path(ge=0, le=MAX_JSON_SAFE_INT, description="frame number in presentation order")
    ],
) -> Response:
    """Frame `frame_index` (0-based, presentation order, as displayed), found through the
    video's persisted frame index: only the packets from the keyframe before it are read
    and decoded. 404 past the end."""

    def decoded(session: Session) -> bytes:
        video = find_video(session, video_id)
        check_frame_size(video, context.settings.max_frame_pixels)  # before touching the file
        path = readable_path(context.settings, video)
        with context.frame_slots.slot():
            frame = indexed_frames(context.settings, video, path).frame(frame_index)
        if frame is None:
            raise not_found("frame_not_found", f"video has no frame {frame_index}", "frame_index")
        return jpeg(frame)

    return Response(await context.read(decoded), media_type="image/jpeg")
