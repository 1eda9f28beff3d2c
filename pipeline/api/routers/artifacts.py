"""Artifacts of a video in time order, through the selection policy, in keyset pages."""

from typing import Annotated

from fastapi import APIRouter, Query

from pipeline.api.cursor import decode_cursor, encode_cursor
from pipeline.api.dependencies import DbSession, Declared, PathVideo, PolicyManager
from pipeline.api.models import ArtifactPage
from pipeline.api.params import SelectionOverride, known_artifact_type, time_ms
from pipeline.api.routers import API_PREFIX
from pipeline.db.models import SelectionMode
from pipeline.db.repositories import ArtifactRepository

router = APIRouter(prefix=API_PREFIX, tags=["artifacts"])

MAX_PAGE = 1000


@router.get("/videos/{video_id}/artifacts", response_model=ArtifactPage)
def list_artifacts(
    video: PathVideo,
    session: DbSession,
    manager: PolicyManager,
    policy: SelectionOverride,
    vocabulary: Declared,
    artifact_type: Annotated[
        str | None, Query(alias="type", max_length=64, description="e.g. scene")
    ] = None,
    from_ms: Annotated[int | None, time_ms("earliest start")] = None,
    to_ms: Annotated[int | None, time_ms("latest start")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ArtifactPage:
    """Artifacts whose start lies in [from_ms, to_ms], ordered by (start, artifact id).
    `run_id` gives exactly that run's artifacts, `profile` the latest run of a profile,
    `selection` a policy mode; by default each type's stored policy decides."""
    known_artifact_type(vocabulary, artifact_type, "type")
    pinned = policy is not None and policy.mode is SelectionMode.PINNED
    page = ArtifactRepository(session, manager).page_by_asset(
        video.video_id,
        after=decode_cursor(cursor) if cursor is not None else None,
        limit=limit + 1,
        artifact_type=artifact_type,
        from_ms=from_ms,
        to_ms=to_ms,
        run_id=policy.pinned_run_id if pinned and policy else None,
        selection=None if pinned else policy,
    )
    more = len(page) > limit
    page = page[:limit]
    last = page[-1] if more else None
    return ArtifactPage(
        artifacts=page,
        next_cursor=encode_cursor(last.span_start_ms, last.artifact_id) if last else None,
    )
