"""What handlers share that needs no database: the request context and the declared
vocabulary, as dependencies that run on the event loop (FastAPI runs a plain `def`
dependency in its thread pool, a hand-off each); and the lookups a handler calls inside
its one unit of work (``ApiContext.read``/``write``, docs/ARCHITECTURE.md, "Request
path"): the video of the path, the selection-policy manager."""

from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from pipeline.analysis.vocabulary import Vocabulary
from pipeline.api.context import ApiContext
from pipeline.api.errors import ApiError, not_found
from pipeline.db.models import Video
from pipeline.db.repositories import SelectionPolicyManager, VideoRepository

MAX_ID_LENGTH = 64


async def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.eioku
    return context


Context = Annotated[ApiContext, Depends(get_context)]


async def get_vocabulary(context: Context) -> Vocabulary:
    """The artifact types and jump kinds the analyzers declare."""
    return context.catalog.vocabulary()


Declared = Annotated[Vocabulary, Depends(get_vocabulary)]


def policy_manager(context: ApiContext, session: Session) -> SelectionPolicyManager:
    return SelectionPolicyManager(
        session,
        profile_order=context.settings.profile_order,
        current_revisions=context.current_revisions.of_type,
    )


def plausible_id(value: str) -> bool:
    """Ids are short and printable; anything else is unknown without asking the database
    (which may refuse e.g. NUL characters)."""
    return 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def video_not_found(video_id: str, field: str = "video_id") -> ApiError:
    return not_found("video_not_found", f"no video with id {video_id!r}", field)


def find_video(session: Session, video_id: str, field: str = "video_id") -> Video:
    video = VideoRepository(session).get(video_id) if plausible_id(video_id) else None
    if video is None:
        raise video_not_found(video_id, field)
    return video


VideoIdPath = Annotated[str, Path(description="video id")]
