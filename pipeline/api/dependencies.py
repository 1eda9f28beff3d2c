"""FastAPI dependencies: one database session per request (committed when the handler
returns, rolled back when it raises), the selection-policy manager, the video of the path.

FastAPI runs a plain `def` dependency in its thread pool, one hand-off per dependency and
request; those that never wait on anything are `async def` and run on the event loop. The
hottest reads (jump, find) take none of the database dependencies and do all their
database work in one hand-off (docs/ARCHITECTURE.md, "Request path")."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

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


async def get_ready_context(context: Context) -> ApiContext:
    """The context, once the database has answered and its schema is current (checked in
    the thread pool until it has been once: the check talks to the database)."""
    if not context.schema_checked:
        await run_in_threadpool(context.check_schema)
    return context


ReadyContext = Annotated[ApiContext, Depends(get_ready_context)]


async def get_vocabulary(context: Context) -> Vocabulary:
    """The artifact types and jump kinds the analyzers declare."""
    return context.catalog.vocabulary()


Declared = Annotated[Vocabulary, Depends(get_vocabulary)]


def get_session(context: ReadyContext) -> Iterator[Session]:
    with context.db.transaction() as session:
        yield session


# "function" scope: the commit happens before the response is sent, so a client that
# reads right after a write sees it.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def policy_manager(context: ApiContext, session: Session) -> SelectionPolicyManager:
    return SelectionPolicyManager(
        session,
        profile_order=context.settings.profile_order,
        current_revisions=context.current_revisions.of_type,
    )


async def get_manager(context: Context, session: DbSession) -> SelectionPolicyManager:
    return policy_manager(context, session)


PolicyManager = Annotated[SelectionPolicyManager, Depends(get_manager)]


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


def get_video(video_id: VideoIdPath, session: DbSession) -> Video:
    return find_video(session, video_id)


PathVideo = Annotated[Video, Depends(get_video)]
