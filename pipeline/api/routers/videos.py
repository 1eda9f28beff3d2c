"""Videos: list, one, and submit a file for analysis."""

from fastapi import APIRouter, BackgroundTasks, status
from sqlalchemy.orm import Session

from pipeline.api.dependencies import Context, VideoIdPath, find_video
from pipeline.api.errors import FORBIDDEN_RESPONSE
from pipeline.api.models import SubmitRequest, SubmitResponse, VideoList, VideoOut
from pipeline.api.roots import check_model_paths
from pipeline.api.routers import API_PREFIX
from pipeline.api.submission import submit
from pipeline.db.repositories import VideoRepository

router = APIRouter(prefix=API_PREFIX, tags=["videos"])


@router.get("/videos", response_model=VideoList)
async def list_videos(context: Context) -> VideoList:
    """Every known video, oldest first."""

    def listed(session: Session) -> VideoList:
        videos = VideoRepository(session).all()
        return VideoList(videos=[VideoOut.model_validate(video) for video in videos])

    return await context.read(listed)


@router.get("/videos/{video_id}", response_model=VideoOut)
async def get_video(video_id: VideoIdPath, context: Context) -> VideoOut:
    """One video: its path, content hash, duration, frame rate, size and codecs."""
    return await context.read(
        lambda session: VideoOut.model_validate(find_video(session, video_id))
    )


@router.post(
    "/videos",
    response_model=SubmitResponse,
    status_code=status.HTTP_202_ACCEPTED,
    responses=FORBIDDEN_RESPONSE,
)
async def submit_video(
    body: SubmitRequest, context: Context, background: BackgroundTasks
) -> SubmitResponse:
    """Register a file under an allowed root and plan one run per analyzer: cached runs
    are marked and not recomputed; the others go to the broker (EIOKU_BROKER_URL) or run
    in this process after the response. Settings naming a server path must name one under
    EIOKU_ALLOWED_MODEL_ROOTS (403 otherwise)."""

    def submitted() -> SubmitResponse:
        check_model_paths(body.overrides, context.settings.allowed_model_roots)
        return submit(context, body, background)

    return await context.carry_out(submitted)
