"""Artifacts of a video in time order, through the selection policy, in keyset pages;
one artifact by id."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pipeline.api.cursor import decode_cursor, encode_cursor
from pipeline.api.dependencies import DbSession, Declared, PathVideo, PolicyManager, plausible_id
from pipeline.api.errors import not_found
from pipeline.api.models import ArtifactPage
from pipeline.api.params import SelectionOverride, known_artifact_type, time_ms
from pipeline.api.routers import API_PREFIX
from pipeline.db.models import SelectionMode
from pipeline.db.repositories import ArtifactRepository
from schemas import ArtifactEnvelope

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
    known_artifact_type(vocabulary, artifact_type, "type")
    pinned = policy is not None and policy.mode is SelectionMode.PINNED
    page = ArtifactRepository(session, manager).page_by_asset(
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
    more = len(page) > limit
    page = page[:limit]
    last = page[-1] if more else None
    return ArtifactPage(
        artifacts=page,
        next_cursor=encode_cursor(last.span_start_ms, last.artifact_id) if last else None,
    )


@router.get("/artifacts/{artifact_id}", response_model=ArtifactEnvelope)
def get_artifact(
    artifact_id: Annotated[str, Path(description="artifact id")], session: DbSession
) -> ArtifactEnvelope:
    """One artifact (its envelope), whichever run it belongs to: no selection policy
    applies. 404 `artifact_not_found` for an unknown id."""
    found = ArtifactRepository(session).get(artifact_id) if plausible_id(artifact_id) else None
    if found is None:
        raise not_found("artifact_not_found", f"no artifact with id {artifact_id!r}", "artifact_id")
    return found
