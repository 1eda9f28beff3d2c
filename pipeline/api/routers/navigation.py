"""Navigation: jump to the next/previous artifact of a kind, find text, jump across videos.
The SQL lives in pipeline.query; this module maps parameters and results."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from pipeline.analysis.declarations import Produces
from pipeline.analysis.vocabulary import UnknownKindError
from pipeline.api.context import ApiContext
from pipeline.api.dependencies import (
    Context,
    VideoIdPath,
    find_video,
    plausible_id,
    policy_manager,
    video_not_found,
)
from pipeline.api.errors import invalid, not_found
from pipeline.api.models import (
    NO_NUL,
    FindResponse,
    GlobalJumpResponse,
    GlobalJumpResult,
    JumpResult,
    MatchedTextOut,
    TextMatchOut,
    TimeSpan,
)
from pipeline.api.params import (
    RequestedSelection,
    cluster_query,
    confidence_query,
    label_query,
    time_ms,
    verified_selection,
)
from pipeline.api.routers import API_PREFIX
from pipeline.db.repositories import SelectionPolicy
from pipeline.query.find import TextMatch, find_text
from pipeline.query.jump import JumpFilters, JumpTarget, check_filters, jump, jump_global
from pipeline.query.kinds import ALL_SOURCES, Direction
from schemas.base import MAX_JSON_SAFE_INT

router = APIRouter(prefix=API_PREFIX, tags=["navigation"])

KindParam = Annotated[
    str,
    Query(
        max_length=64,
        pattern=NO_NUL,
        description="what to jump to: a jump kind of GET /v1/analyzers (scene, object, ...)",
    ),
]
DirectionParam = Annotated[
    Direction, Query(description="next: smallest start > from_ms; prev: greatest start < from_ms")
]


def _result(target: JumpTarget) -> JumpResult:
    return JumpResult(
        video_id=target.video_id,
        jump_to=TimeSpan(start_ms=target.start_ms, end_ms=target.end_ms),
        artifact_ids=target.artifact_ids,
        **asdict(target.run),
    )


def _global_result(target: JumpTarget) -> GlobalJumpResult:
    texts = (
        None
        if target.texts is None
        else [MatchedTextOut(**asdict(matched)) for matched in target.texts]
    )
    return GlobalJumpResult(**_result(target).model_dump(), texts=texts)


def _match(match: TextMatch) -> TextMatchOut:
    return TextMatchOut(
        video_id=match.video_id,
        artifact_id=match.artifact_id,
        source=match.source,
        jump_to=TimeSpan(start_ms=match.start_ms, end_ms=match.end_ms),
        text=match.text,
        snippet=match.snippet,
        **asdict(match.run),
    )


def _checked_selection(
    session: Session, video_id: str, requested: SelectionPolicy | None
) -> SelectionPolicy | None:
    """The requested selection, once its video and pinned run are known (404 otherwise,
    in that order). Without one, the query reads the stored policies itself and the video
    is looked up only when nothing matched: the common request is one statement."""
    if requested is None:
        return None
    find_video(session, video_id)
    return verified_selection(session, video_id, requested)


@router.get("/videos/{video_id}/jump", response_model=JumpResult)
async def jump_in_video(
    video_id: VideoIdPath,
    context: Context,
    requested: RequestedSelection,
    kind: KindParam,
    direction: DirectionParam = Direction.NEXT,
    from_ms: Annotated[
        int | None, time_ms("from here; default: the start (next) or the end (prev)")
    ] = None,
    label: Annotated[str | None, label_query("object or place label")] = None,
    face_cluster_id: Annotated[int | None, cluster_query()] = None,
    min_confidence: Annotated[float | None, confidence_query()] = None,
) -> JumpResult:
    """The artifacts starting at the next (or previous) instant after `from_ms`; every
    artifact starting there is listed, by id. 404 when there is none."""
    start = from_ms
    if start is None:
        start = -1 if direction is Direction.NEXT else MAX_JSON_SAFE_INT + 1
    filters = JumpFilters(label, face_cluster_id, min_confidence)
    declared = jump_kind(context, kind)
    if not plausible_id(video_id):
        raise video_not_found(video_id)

    def jumped(session: Session) -> JumpTarget | None:
        policy = _checked_selection(session, video_id, requested)
        manager = policy_manager(context, session)
        target = jump(session, manager, video_id, declared, direction, start, filters, policy)
        if target is None:
            find_video(session, video_id)
        return target

    target = await context.read(jumped)
    if target is None:
        raise not_found("no_match", f"no {kind} {direction} of {start} ms matches")
    return _result(target)


@router.get("/videos/{video_id}/find", response_model=FindResponse)
async def find_in_video(
    video_id: VideoIdPath,
    context: Context,
    requested: RequestedSelection,
    q: Annotated[str, Query(description="words to find; any string is safe")],
    direction: Annotated[Direction, Query(description="time order of the matches")] = (
        Direction.NEXT
    ),
    from_ms: Annotated[int | None, time_ms("only matches after (next) / before (prev)")] = None,
    source: Annotated[
        str,
        Query(
            max_length=64,
            pattern=NO_NUL,
            description="a kind whose artifacts carry text (transcript, ocr, ...) or all",
        ),
    ] = ALL_SOURCES,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> FindResponse:
    """Text matches in the transcript and/or on-screen text, merged in time order."""
    sources = text_sources(context, source)
    if not plausible_id(video_id):
        raise video_not_found(video_id)

    def found(session: Session) -> list[TextMatch]:
        matches = find_text(
            session,
            policy_manager(context, session),
            video_id,
            q,
            sources,
            direction=direction,
            from_ms=from_ms,
            limit=limit,
            policy=_checked_selection(session, video_id, requested),
        )
        if not matches:
            find_video(session, video_id)
        return matches

    return FindResponse(matches=[_match(match) for match in await context.read(found)])


@router.get("/jump/global", response_model=GlobalJumpResponse)
async def jump_across_videos(
    context: Context,
    kind: KindParam,
    direction: DirectionParam = Direction.NEXT,
    from_video_id: Annotated[
        str | None, Query(max_length=64, description="start after this video (and from_ms)")
    ] = None,
    from_ms: Annotated[int, time_ms("position in from_video_id")] = 0,
    label: Annotated[str | None, label_query("object or place label")] = None,
    face_cluster_id: Annotated[int | None, cluster_query()] = None,
    min_confidence: Annotated[float | None, confidence_query()] = None,
    query: Annotated[
        str | None,
        Query(
            description="text to match, in find's syntax (a kind with the text filter: "
            "transcript, ocr, ...); any string is safe"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> GlobalJumpResponse:
    """The next (or previous) instants across all videos in (video id, start) order, each
    video read through its default selection policy; with a text `query`, each result
    carries its artifacts' texts and snippets."""
    declared = jump_kind(context, kind)
    filters = JumpFilters(label, face_cluster_id, min_confidence)
    check_filters(declared, filters, query)

    def jumped(session: Session) -> list[JumpTarget]:
        if from_video_id is not None:
            find_video(session, from_video_id, "from_video_id")
        manager = policy_manager(context, session)
        return jump_global(
            session, manager, declared, direction, from_video_id, from_ms, filters, query, limit
        )

    targets = await context.read(jumped)
    return GlobalJumpResponse(results=[_global_result(target) for target in targets])


def jump_kind(context: ApiContext, kind: str) -> Produces:
    """The declaration behind a jump kind (422 naming the known kinds)."""
    try:
        return context.catalog.vocabulary().kind(kind)
    except UnknownKindError as exc:
        raise invalid("kind", str(exc)) from None


def text_sources(context: ApiContext, source: str) -> list[Produces]:
    vocabulary = context.catalog.vocabulary()
    if source == ALL_SOURCES:
        return [vocabulary.kind(name) for name in vocabulary.text_kinds]
    try:
        return [vocabulary.text_kind(source)]
    except UnknownKindError as exc:
        raise invalid("source", str(exc)) from None
