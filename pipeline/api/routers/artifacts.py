"""Artifacts of a video in time order, through the selection policy, in keyset pages;
one artifact by id."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from pipeline.api.cursor import decode_cursor, encode_cursor
from pipeline.api.dependencies import (
    Context,
    Declared,
    VideoIdPath,
    find_video,
    plausible_id,
    policy_manager,
)
from pipeline.api.errors import not_found
from pipeline.api.models import ArtifactPage
from pipeline.api.params import RequestedSelection, known_artifact_type, time_ms, verified_selection
from pipeline.api.routers import API_PREFIX
from pipeline.db.models import SelectionMode
from pipeline.db.repositories import ArtifactRepository
from schemas import ArtifactEnvelope

router = APIRouter(prefix=API_PREFIX, tags=["artifacts"])

MAX_PAGE = 1000


@router.get("/videos/{video_id}/artifacts", response_model=ArtifactPage)
async def list_artifacts(
    video_id: VideoIdPath,
    context: Context,
    requested: RequestedSelection,
    vocabulary: Declared,
    artifact_type: Annotated[
        str | None, Query(alias="type", max_length=64, description="e.g. scene")
    ] = None,
    from_ms: Annotated[int | None, time_ms("window start")] = None,
    to_ms: Annotated[int | None, time_ms("window end")] = None,
    overlap: Annotated[
        bool,
        Query(
            description="false: artifacts whose start lies in [from_ms, to_ms]; true: "
            "those whose span [start, end] overlaps it (both ends included)"
        ),
    ] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ArtifactPage:
    """Artifacts whose start lies in [from_ms, to_ms] (with `overlap=true`: whose span
    overlaps it), ordered by (start, artifact id). `run_id` gives exactly that run's
    artifacts, `profile` the latest run of a profile, `selection` a policy mode; by
    default each type's stored policy decides."""

    def listed(session: Session) -> list[ArtifactEnvelope]:
        video = find_video(session, video_id)
        known_artifact_type(vocabulary, artifact_type, "type")
        policy = verified_selection(session, video.video_id, requested)
        pinned = policy is not None and policy.mode is SelectionMode.PINNED
        return ArtifactRepository(session, policy_manager(context, session)).page_by_asset(
            video.video_id,
            after=decode_cursor(cursor) if cursor is not None else None,
            limit=limit + 1,
            artifact_type=artifact_type,
            from_ms=from_ms,
            to_ms=to_ms,
            overlap=overlap,
            run_id=policy.pinned_run_id if pinned and policy else None,
            selection=None if pinned else policy,
        )

    page = await context.read(listed)
    more = len(page) > limit
    page = page[:limit]
    last = page[-1] if more else None
    return ArtifactPage(
        artifacts=page,
        next_cursor=encode_cursor(last.span_start_ms, last.artifact_id) if last else None,
    )


@router.get("/artifacts/{artifact_id}", response_model=ArtifactEnvelope)
async def get_artifact(
    artifact_id: Annotated[str, Path(description="artifact id")], context: Context
) -> ArtifactEnvelope:
    """One artifact (its envelope), whichever run it belongs to: no selection policy
    applies. 404 `artifact_not_found` for an unknown id."""

    def found(session: Session) -> ArtifactEnvelope | None:
        return ArtifactRepository(session).get(artifact_id) if plausible_id(artifact_id) else None

    artifact = await context.read(found)
    if artifact is None:
        raise not_found("artifact_not_found", f"no artifact with id {artifact_id!r}", "artifact_id")
    return artifact
