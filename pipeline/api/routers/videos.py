"""Videos: list, one, and submit a file for analysis."""

from fastapi import APIRouter, BackgroundTasks, status

from pipeline.api.dependencies import DbSession, PathVideo, ReadyContext
from pipeline.api.errors import FORBIDDEN_RESPONSE
from pipeline.api.models import SubmitRequest, SubmitResponse, VideoList, VideoOut
from pipeline.api.roots import check_model_paths
from pipeline.api.routers import API_PREFIX
from pipeline.api.submission import submit
from pipeline.db.repositories import VideoRepository

router = APIRouter(prefix=API_PREFIX, tags=["videos"])


@router.get("/videos", response_model=VideoList)
def list_videos(session: DbSession) -> VideoList:
    """Every known video, oldest first."""
    videos = VideoRepository(session).all()
    return VideoList(videos=[VideoOut.model_validate(video) for video in videos])


@router.get("/videos/{video_id}", response_model=VideoOut)
def get_video(video: PathVideo) -> VideoOut:
    """One video: its path, content hash, duration, frame rate, size and codecs."""
    return VideoOut.model_validate(video)


@router.post(
    "/videos",
    response_model=SubmitResponse,
    status_code=status.HTTP_202_ACCEPTED,
    responses=FORBIDDEN_RESPONSE,
)
def submit_video(
    body: SubmitRequest, context: ReadyContext, background: BackgroundTasks
) -> SubmitResponse:
    """Register a file under an allowed root and plan one run per analyzer: cached runs
    are marked and not recomputed; the others go to the broker (EIOKU_BROKER_URL) or run
    in this process after the response. Settings naming a server path must name one under
    EIOKU_ALLOWED_MODEL_ROOTS (403 otherwise)."""
    check_model_paths(body.overrides, context.settings.allowed_model_roots)
    return submit(context, body, background)
