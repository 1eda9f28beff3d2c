"""The cache diff of one video or of the library, regeneration of what it names,
dismissal of extraneous entries, and a video's analysis history."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.api.cache_metrics import CacheCounters
from pipeline.api.cache_models import (
    CacheDiffList,
    DismissRequest,
    DismissResponse,
    HistoryEntryOut,
    HistoryList,
    RegeneratedRunOut,
    RegenerateRequest,
    RegenerateResponse,
    VideoDiffOut,
)
from pipeline.api.dependencies import Context, VideoIdPath, find_video, plausible_id
from pipeline.api.errors import invalid
from pipeline.api.routers import API_PREFIX
from pipeline.api.submission import deliver
from pipeline.coordinator.cache_diff import (
    DescriptorStatus,
    Revisions,
    VideoDiff,
    cache_diff,
    diff_document,
)
from pipeline.coordinator.consumers import queues_without_workers
from pipeline.coordinator.dismissal import dismiss_extraneous
from pipeline.coordinator.planning import RequestedBy
from pipeline.coordinator.regeneration import (
    TargetFilter,
    plan_regeneration,
    replace_blocked_intents,
    select_targets,
)
from pipeline.coordinator.reports import Outcome, RunReport
from pipeline.coordinator.timing import Timing
from pipeline.db.repositories import HistoryRepository, VideoRepository
from pipeline.db.repositories.cache import CacheRepository

router = APIRouter(prefix=API_PREFIX, tags=["cache"])

MAX_VIDEOS = 1000
SCAN_BATCH = 500
MAX_HISTORY = 1000


def _statuses(status: str | None) -> set[DescriptorStatus]:
    if not status:
        return set(DescriptorStatus)
    try:
        return {DescriptorStatus(name.strip()) for name in status.split(",") if name.strip()}
    except ValueError:
        known = "|".join(item.value for item in DescriptorStatus)
        raise invalid("status", f"status must be a comma-separated list of {known}") from None


@router.get("/videos/{video_id}/cache", response_model=VideoDiffOut)
async def video_cache(video_id: VideoIdPath, context: Context) -> VideoDiffOut:
    """The video's cache diff per profile: current, missing, stale, extraneous."""

    def diffed(session: Session) -> VideoDiffOut:
        video = find_video(session, video_id)
        paused = queues_without_workers(context.settings, context.catalog.names())
        [diff] = cache_diff(
            session, context.catalog, CacheRepository(session).videos([video.video_id]), paused
        )
        return VideoDiffOut.model_validate(diff_document(diff))

    diff = await context.read(diffed)
    context.counters.diagnostics_opened.inc()
    return diff


@router.get("/cache", response_model=CacheDiffList)
async def library_cache(
    context: Context,
    status: Annotated[
        str | None, Query(description="comma-separated: current, missing, stale, extraneous")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_VIDEOS, description="videos per page")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> CacheDiffList:
    """The diffs of the videos having a descriptor in one of the statuses, by video id."""
    wanted = _statuses(status)

    def scanned(session: Session) -> CacheDiffList:
        paused = queues_without_workers(context.settings, context.catalog.names())
        cache = CacheRepository(session)
        revisions = Revisions(context.catalog)
        found: list[VideoDiffOut] = []
        after, next_cursor = _resumed_after(session, cursor), None
        while True:
            batch = cache.videos(None, after=after, limit=SCAN_BATCH)
            for diff in cache_diff(session, context.catalog, batch, paused, revisions):
                kept = diff.keeping(wanted)
                if kept is not None:
                    found.append(VideoDiffOut.model_validate(diff_document(kept)))
                if len(found) == limit:
                    next_cursor = diff.video_id
                    break
            if next_cursor is not None or len(batch) < SCAN_BATCH:
                break
            after = batch[-1].video_id
        return CacheDiffList(videos=found, paused_queues=paused, next_cursor=next_cursor)

    diffs = await context.read(scanned)
    context.counters.diagnostics_opened.inc()
    return diffs


def _resumed_after(session: Session, cursor: str | None) -> str | None:
    """The video id a page resumes after; a cursor this endpoint hands out is the id of a
    video (videos are never deleted), anything else is a 422 naming `cursor`."""
    if cursor is not None and (
        not plausible_id(cursor) or VideoRepository(session).get(cursor) is None
    ):
        raise invalid("cursor", "not a cursor returned by this endpoint")
    return cursor


@router.post("/videos/{video_id}/regenerate", response_model=RegenerateResponse, status_code=202)
async def regenerate(
    video_id: VideoIdPath,
    body: RegenerateRequest,
    context: Context,
    background: BackgroundTasks,
) -> RegenerateResponse:
    """Enqueue exactly the runs the video's cache diff names, each with its reason."""
    catalog = context.catalog
    _check_names(catalog, body)

    def intents_replaced(session: Session) -> str:
        found = find_video(session, video_id).video_id
        if body.profile is not None:
            replace_blocked_intents(session, catalog, [found], body.profile, RequestedBy.API)
        return found

    known_id = await context.write(intents_replaced)

    def diffed(session: Session) -> VideoDiff:
        [diff] = cache_diff(session, catalog, CacheRepository(session).videos([known_id]))
        return diff

    diff = await context.read(diffed)
    wanted = TargetFilter(
        [DescriptorStatus(name) for name in body.only],
        set(body.descriptors) if body.descriptors is not None else None,
        body.profile,
        body.force,
    )
    targets = select_targets([diff], wanted)
    timing = Timing.from_settings(context.settings)

    def carried_out() -> RegenerateResponse:
        planned = plan_regeneration(
            context.db,
            catalog,
            targets,
            home=context.settings.home,
            on_deferred=lambda _: None,
            timing=timing,
            profile_order=context.settings.profile_order,
        )
        execution, runs = deliver(
            context, planned, background, timing, _count_failure(context.counters)
        )
        context.counters.regeneration_triggered.inc(sum(plan.needs_execution for plan in planned))
        paused = queues_without_workers(context.settings, {target.descriptor for target in targets})
        return RegenerateResponse(
            video_id=known_id,
            execution=execution,
            runs=[
                RegeneratedRunOut(
                    run_id=plan.run.run_id,
                    descriptor=plan.run.analyzer,
                    profile=plan.run.profile,
                    reason=plan.run.reason,
                    outcome=report.outcome.value,
                )
                for plan, report in zip(planned, runs, strict=True)
            ],
            paused_queues=paused,
        )

    return await context.carry_out(carried_out)


def _check_names(catalog: AnalyzerCatalog, body: RegenerateRequest) -> None:
    if body.profile is not None and body.profile not in catalog.profiles.names():
        known = ", ".join(catalog.profiles.names())
        raise invalid("profile", f"unknown profile {body.profile!r} (known: {known})")
    unknown = sorted(set(body.descriptors or ()) - set(catalog.names()))
    if unknown:
        raise invalid("descriptors", f"unknown descriptor(s): {', '.join(unknown)}")


def _count_failure(counters: CacheCounters) -> Callable[[RunReport], None]:
    def count(report: RunReport) -> None:
        if report.outcome == Outcome.FAILED:
            counters.regeneration_failed.inc()

    return count


@router.post("/videos/{video_id}/cache/dismiss", response_model=DismissResponse)
async def dismiss(video_id: VideoIdPath, body: DismissRequest, context: Context) -> DismissResponse:
    """Dismiss an extraneous entry: it leaves the diff and the history records it."""

    def dismissed(session: Session) -> DismissResponse:
        found = find_video(session, video_id).video_id
        count = dismiss_extraneous(session, context.catalog, found, body.descriptor, body.profile)
        return DismissResponse(
            video_id=found, descriptor=body.descriptor, profile=body.profile, dismissed_runs=count
        )

    return await context.write(dismissed)


@router.get("/videos/{video_id}/history", response_model=HistoryList)
async def history(
    video_id: VideoIdPath,
    context: Context,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 100,
) -> HistoryList:
    """The video's analysis history, newest first."""

    def listed(session: Session) -> HistoryList:
        video = find_video(session, video_id)
        entries = HistoryRepository(session).entries(video.video_id, limit)
        return HistoryList(history=[HistoryEntryOut.model_validate(entry) for entry in entries])

    return await context.read(listed)
