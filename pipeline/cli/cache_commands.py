"""`eioku cache diff|dismiss|prune`, `eioku regenerate` and `eioku history`: what is out
of date against the intents, regenerating exactly that, and what happened."""

from collections.abc import Sequence
from typing import Annotated

import typer

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, JsonFlag, fail
from pipeline.cli.options import split_names
from pipeline.coordinator.cache_diff import (
    NEEDS_REGENERATION,
    DescriptorStatus,
    VideoDiff,
    cache_diff,
    diff_document,
)
from pipeline.coordinator.consumers import paused_message, queues_without_workers
from pipeline.coordinator.dismissal import dismiss_extraneous
from pipeline.coordinator.executors import carry_out, queue_executor
from pipeline.coordinator.in_process import in_process_executor
from pipeline.coordinator.planning import RequestedBy
from pipeline.coordinator.regeneration import (
    TargetFilter,
    plan_regeneration,
    replace_blocked_intents,
    select_targets,
)
from pipeline.coordinator.registration import find_video
from pipeline.coordinator.reports import GOOD_OUTCOMES, Outcome, RunReport
from pipeline.coordinator.run_plans import PlannedRun
from pipeline.coordinator.task_sender import TaskSender
from pipeline.coordinator.timing import Timing
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.connect import open_database
from pipeline.db.engine import Database
from pipeline.db.repositories import HistoryRepository
from pipeline.db.repositories.cache import CacheRepository, VideoIdentity
from pipeline.db.repositories.history import entry_document
from pipeline.settings import Settings
from schemas.base import MAX_JSON_SAFE_INT

VideosArgument = Annotated[
    list[str] | None, typer.Argument(help="Video ids or paths; every video when omitted.")
]
STATUS_LABELS = {status: status.value.capitalize() for status in DescriptorStatus}

cache_app = typer.Typer(help="The cache diff: what no longer matches the intents.")


def _videos(db: Database, references: Sequence[str] | None) -> list[VideoIdentity]:
    with db.sessions() as session:
        ids = [find_video(session, ref).video_id for ref in references] if references else None
        return CacheRepository(session).videos(ids)


def _diffs(
    db: Database, catalog: AnalyzerCatalog, videos: list[VideoIdentity], paused: list[str]
) -> list[VideoDiff]:
    with db.sessions() as session:
        return cache_diff(session, catalog, videos, paused)


def _statuses(text: str | None) -> set[DescriptorStatus]:
    if not text:
        return set()
    try:
        return {DescriptorStatus(name.lower()) for name in split_names(text)}
    except ValueError:
        known = ", ".join(status.value for status in DescriptorStatus)
        raise fail(f"--status/--only: unknown status in {text!r} (known: {known})") from None


@cache_app.command("diff")
def diff(
    videos: VideosArgument = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only these statuses, e.g. stale,missing."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Per video and profile: each descriptor Current, Missing, Stale or Extraneous."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    wanted = _statuses(status) or set(DescriptorStatus)
    db = open_database(settings)
    selected = _videos(db, videos)
    paused = queues_without_workers(settings, catalog.names())
    diffs = [
        kept
        for item in _diffs(db, catalog, selected, paused)
        if (kept := item.keeping(wanted)) is not None
    ]
    if as_json:
        render.print_json([diff_document(item) for item in diffs])
        return
    if not diffs:
        render.out.print("Nothing is requested or cached." if not status else "No match.")
    for item in diffs:
        _print_diff(item)


def _print_diff(diff: VideoDiff) -> None:
    render.out.print(f"[bold]{diff.video_id}[/bold]  {render.shown(diff.path)}")
    for group in diff.profiles:
        render.out.print(f"  profile {render.shown(group.profile)!r}")
        for state in group.descriptors:
            when = (
                state.last_analyzed_at.isoformat(timespec="seconds")
                if state.last_analyzed_at
                else "never"
            )
            render.out.print(
                f"    {render.shown(state.descriptor):<12} {STATUS_LABELS[state.status]:<11} {when}"
            )
        render.out.print(f"  {render.shown(group.summary)}")
        pending = {s.descriptor for s in group.descriptors if s.status in NEEDS_REGENERATION}
        for state in group.descriptors:
            if state.paused and state.descriptor in pending:
                render.out.print(f"  {paused_message(f'eioku.analyze.{state.descriptor}')}")


@cache_app.command("dismiss")
def dismiss(
    video: Annotated[str, typer.Argument(help="Video id or path.")],
    analyzer: Annotated[str, typer.Option("--analyzer", "-a", help="The descriptor.")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="Its profile.")],
) -> None:
    """Dismiss an extraneous entry: it leaves the diff; nothing is deleted."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    db = open_database(settings)
    with db.transaction() as session:
        found = find_video(session, video)
        count = dismiss_extraneous(session, catalog, found.video_id, analyzer, profile)
    render.out.print(f"dismissed {analyzer}/{profile} of {found.video_id} ({count} runs)")


@cache_app.command("prune")
def prune(
    dismissed: Annotated[
        bool, typer.Option("--dismissed", help="Delete the artifacts of dismissed runs.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete the artifacts of dismissed runs, on request only, with a count first."""
    if not dismissed:
        raise fail("say what to prune: --dismissed")
    db = open_database(current_settings())
    with db.sessions() as session:
        runs, artifacts = CacheRepository(session).dismissed_counts()
    if not artifacts:
        render.out.print("Nothing to prune.")
        return
    render.out.print(f"{artifacts} artifacts of {runs} dismissed runs will be deleted.")
    if not yes and not typer.confirm("Delete them?", default=False):
        raise typer.Exit(EXIT_FAILED)
    with db.transaction() as session:
        deleted = CacheRepository(session).prune_dismissed()
    render.out.print(f"deleted {deleted} artifacts")


def regenerate(
    videos: VideosArgument = None,
    only: Annotated[
        str, typer.Option("--only", help="Statuses to regenerate: missing, stale.")
    ] = "missing,stale",
    analyzers: Annotated[
        str | None, typer.Option("--analyzers", "-a", help="Only these descriptors.")
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", "-p", help="Only this profile; replaces blocked intents."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Also recompute current descriptors (manual).")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="With a broker: follow the runs until they finish.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Enqueue exactly the runs the cache diff names, each with its reason."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    statuses = _statuses(only)
    if not statuses <= set(NEEDS_REGENERATION):
        raise fail("--only takes missing and/or stale (use --force for current descriptors)")
    if profile is not None and profile not in catalog.profiles.names():
        raise fail(f"unknown profile {profile!r} (known: {', '.join(catalog.profiles.names())})")
    db = open_database(settings)
    selected = _videos(db, videos)
    if profile is not None:
        with db.transaction() as session:
            ids = [video.video_id for video in selected]
            replace_blocked_intents(session, catalog, ids, profile, RequestedBy.CLI)
    wanted = TargetFilter(
        statuses, set(split_names(analyzers)) if analyzers else None, profile, force
    )
    targets = select_targets(_diffs(db, catalog, selected, []), wanted)
    if not targets:
        if as_json:
            render.print_json([])
        else:
            render.out.print("Nothing to regenerate.")
        return
    paused = queues_without_workers(settings, {target.descriptor for target in targets})
    for queue in paused:
        render.err.print(paused_message(queue))
    planned = plan_regeneration(
        db,
        catalog,
        targets,
        home=settings.home,
        on_deferred=lambda video_id: render.err.print(f"{video_id}: queued after export"),
        timing=Timing.from_settings(settings),
        profile_order=settings.profile_order,
    )
    reports = _deliver(settings, db, catalog, planned, wait)
    reasons = {plan.run.run_id: plan.run.reason for plan in planned}
    _show_regeneration(reports, reasons, as_json)
    if not all(report.outcome in GOOD_OUTCOMES for report in reports):
        raise typer.Exit(EXIT_FAILED)


def _deliver(
    settings: Settings,
    db: Database,
    catalog: AnalyzerCatalog,
    planned: list[PlannedRun],
    wait: bool,
) -> list[RunReport]:
    timing = Timing.from_settings(settings)
    if not settings.broker_url:
        return carry_out(planned, in_process_executor(db, catalog, None, timing))
    sender = TaskSender(settings, db)
    try:
        reports = carry_out(planned, queue_executor(sender))
    finally:
        sender.close()
    if not wait:
        return reports
    follow = [r.run_id for r in reports if r.outcome in (Outcome.QUEUED, Outcome.ALREADY_ACTIVE)]
    finished = {run.run_id: run for run in wait_for_runs(db, follow, on_update=lambda _: None)}
    return [RunReport.of(finished[r.run_id]) if r.run_id in finished else r for r in reports]


def _show_regeneration(
    reports: list[RunReport], reasons: dict[str, str | None], as_json: bool
) -> None:
    if as_json:
        render.print_json(
            [
                {
                    "run_id": report.run_id,
                    "descriptor": report.analyzer,
                    "profile": report.profile,
                    "reason": reasons.get(report.run_id),
                    "outcome": report.outcome.value,
                    "error_code": report.error_code,
                    "error_message": report.error_message,
                }
                for report in reports
            ]
        )
        return
    for report in reports:
        line = (
            f"{report.analyzer}/{report.profile} ({reasons.get(report.run_id) or '-'}): "
            f"{report.outcome.value}  run {report.run_id}"
        )
        if report.error_message:
            line += f"  {report.error_code}: {report.error_message}"
        render.out.print(render.shown(line))


def history(
    video: Annotated[str | None, typer.Argument(help="Video id or path; all when omitted.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_JSON_SAFE_INT)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """The analysis history, newest first."""
    db = open_database(current_settings())
    with db.sessions() as session:
        video_id = find_video(session, video).video_id if video else None
        entries = HistoryRepository(session).entries(video_id, limit)
    if as_json:
        render.print_json([entry_document(entry) for entry in entries])
        return
    for entry in entries:
        duration = "-" if entry.duration_ms is None else entry.duration_ms
        render.out.print(
            render.shown(
                f"{entry.at.isoformat(timespec='seconds')}  {entry.video_id}  {entry.action:<17} "
                f"{','.join(entry.descriptors)}/{entry.profile}  {entry.reason or '-':<7} "
                f"{entry.status:<7} {duration} ms"
            )
        )
