"""The frame offsets index of a video, and one frame by the byte offsets a client read
from it."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from pipeline.api.dependencies import Context, VideoIdPath, find_video
from pipeline.api.errors import not_found
from pipeline.api.frame_index import indexed_frames, jpeg, packet_table, readable_path
from pipeline.api.frame_limits import check_frame_size
from pipeline.api.routers import API_PREFIX
from pipeline.api.routers.frames import FRAME_ERRORS
from schemas.base import MAX_JSON_SAFE_INT
from schemas.offsets import FrameOffsets

router = APIRouter(prefix=API_PREFIX, tags=["frames"])

ByteOffset = Annotated[int, Query(ge=0, le=MAX_JSON_SAFE_INT, description="byte offset")]


@router.get(
    "/videos/{video_id}/offsets",
    response_class=FileResponse,
    responses={
        200: {"model": FrameOffsets, "description": "the offsets file"},
        403: FRAME_ERRORS[403],
        409: FRAME_ERRORS[409],
    },
)
async def get_offsets(video_id: VideoIdPath, context: Context) -> FileResponse:
    """The video's frame offsets index (computed on first use, then read): one entry per
    packet in file order, `irap_offset` the keyframe it decodes from."""
    from pipeline.media.frame_index_store import offsets_path

    def indexed(session: Session) -> Path:
        video = find_video(session, video_id)
        packet_table(context.settings, video, readable_path(context.settings, video))
        return offsets_path(context.settings.home, video.video_id)

    return FileResponse(await context.read(indexed), media_type="application/json")


@router.get(
    "/videos/{video_id}/frame",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "the frame, full size"},
        **FRAME_ERRORS,
    },
)
async def get_frame_at_offsets(
    video_id: VideoIdPath, context: Context, offset: ByteOffset, irap_offset: ByteOffset
) -> Response:
    """The frame whose packet starts at `offset`, decoded from the keyframe at
    `irap_offset` on. 422 `not_an_index_entry` unless the pair is an entry of the index."""

    def decoded(session: Session) -> bytes:
        video = find_video(session, video_id)
        check_frame_size(video, context.settings.max_frame_pixels)  # before touching the file
        path = readable_path(context.settings, video)
        with context.frame_slots.slot():
            frame = indexed_frames(context.settings, video, path).frame_at_offsets(
                offset, irap_offset
            )
        if frame is None:
            message = f"the frame at offset {offset} does not decode"
            raise not_found("frame_not_decodable", message)
        return jpeg(frame)

    return Response(await context.read(decoded), media_type="image/jpeg")
