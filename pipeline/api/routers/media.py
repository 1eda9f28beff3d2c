"""The video file itself, for players: HTTP range requests (206), through the same checks
as every endpoint that reads a file (allowed roots, unchanged since registered)."""

import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from pipeline.api.dependencies import Context, VideoIdPath, find_video
from pipeline.api.errors import ApiError, invalid
from pipeline.api.frame_index import readable_path
from pipeline.api.models import ErrorResponse
from pipeline.api.routers import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["media"])

# containers the standard library does not map, or maps to something players refuse
MEDIA_TYPES = {
    ".mkv": "video/x-matroska",
    ".mka": "audio/x-matroska",
    ".webm": "video/webm",
    ".m4a": "audio/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".ts": "video/mp2t",
    ".h264": "video/h264",
    ".264": "video/h264",
    ".h265": "video/h265",
    ".hevc": "video/h265",
}


def media_type_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    guessed = MEDIA_TYPES.get(suffix) or mimetypes.guess_type(path)[0]
    return guessed or "application/octet-stream"


def check_range(header: str, size: int) -> None:
    """A Range header the file can answer, in the API's error shape otherwise: 416 with
    `Content-Range: bytes */size` past the end, 422 when it cannot be read."""
    try:
        FileResponse._parse_range_header(header, size)  # the parser that will answer it
    except RangeNotSatisfiable:
        raise ApiError(
            416,
            "range_not_satisfiable",
            f"the file has {size} bytes",
            "range",
            headers={"Content-Range": f"bytes */{size}"},
        ) from None
    except MalformedRangeHeader as exc:
        raise invalid("range", exc.content) from None


@router.get(
    "/videos/{video_id}/media",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}}, "description": "the whole file"},
        206: {"description": "the requested byte range(s)"},
        403: {"model": ErrorResponse, "description": "file outside the allowed roots"},
        409: {"model": ErrorResponse, "description": "the file changed since it was registered"},
        416: {"model": ErrorResponse, "description": "range past the end of the file"},
    },
)
async def get_media(
    context: Context,
    video_id: VideoIdPath,
    range_header: Annotated[
        str | None, Header(alias="range", description="e.g. bytes=0-1023")
    ] = None,
) -> FileResponse:
    """The video's file as registered, with `Accept-Ranges: bytes`: a `Range` request is
    answered 206 with those bytes, so players stream and seek."""

    def checked(session: Session) -> str:
        video = find_video(session, video_id)
        path = readable_path(context.settings, video)
        if range_header is not None:
            check_range(range_header, video.size_bytes)
        return path

    path = await context.read(checked)
    return FileResponse(path, media_type=media_type_of(path), content_disposition_type="inline")
