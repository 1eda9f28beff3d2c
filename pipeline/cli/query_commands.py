"""Reading what is known: `status`, `runs`, `artifacts`, and `select` (which run counts)."""

from typing import Annotated

import typer

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import is_untrained
from pipeline.analysis.profiles import MAX_PROFILE_NAME, too_long
from pipeline.cli import render
from pipeline.cli.common import policy_manager, require_run_of_video
from pipeline.cli.context import current_settings
from pipeline.cli.flags import JsonFlag, fail
from pipeline.cli.options import parse_timestamp_ms
from pipeline.coordinator.registration import find_video
from pipeline.db.connect import open_database
from pipeline.db.models import RunStatus, SelectionMode
from pipeline.db.repositories import (
    ArtifactRepository,
    InvalidSelectionPolicyError,
    RunRepository,
    SegmentRepository,
    SelectionPolicy,
    VideoRepository,
)
from schemas.base import MAX_JSON_SAFE_INT

VideoArgument = Annotated[str, typer.Argument(help="Video id or path.")]
POLICY_OPTIONS = {"pinned_run_id": "--run", "preferred_profile": "--profile"}


def status(
    video: Annotated[str | None, typer.Argument(help="Video id or path; all when omitted.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Videos, their runs, statuses and cache keys."""
    db = open_database(current_settings())
    with db.sessions() as session:
        selected = [find_video(session, video)] if video else VideoRepository(session).all()
        runs = RunRepository(session)
        rows = [(item, runs.find(video_id=item.video_id)) for item in selected]
    if as_json:
        render.print_json(
            [
                {**render.video_dict(item), "runs": [render.run_dict(run) for run in item_runs]}
                for item, item_runs in rows
            ]
        )
    else:
        render.print_status(rows)


def runs(
    status_filter: Annotated[
        RunStatus | None, typer.Option("--status", help="Only runs with this status.")
    ] = None,
    video: Annotated[str | None, typer.Option("--video", help="Video id or path.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_JSON_SAFE_INT)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """Runs, newest first, with worker, attempts, progress and heartbeat; a long video's
    unfinished run also with its windows done (see EIOKU_SEGMENT_S)."""
    db = open_database(current_settings())
    with db.sessions() as session:
        video_id = find_video(session, video).video_id if video else None
        found = RunRepository(session).find(video_id=video_id, status=status_filter, limit=limit)
        windows = SegmentRepository(session).finished_of([run.run_id for run in found])
    if as_json:
        render.print_json(
            [{**render.run_dict(run), "windows": windows.get(run.run_id)} for run in found]
        )
    else:
        render.print_runs(found, windows)


def artifacts(
    video: VideoArgument,
    artifact_type: Annotated[
        str | None, typer.Option("--type", "-t", help="Artifact type, e.g. scene.")
    ] = None,
    from_ms: Annotated[
        str | None, typer.Option("--from-ms", help="Window start (ms, 12.5s or HH:MM:SS).")
    ] = None,
    to_ms: Annotated[
        str | None, typer.Option("--to-ms", help="Window end (ms, 12.5s or HH:MM:SS).")
    ] = None,
    overlap: Annotated[
        bool,
        typer.Option(
            "--overlap",
            help="Keep artifacts whose span overlaps the window, not only those starting in it.",
        ),
    ] = False,
    run_id: Annotated[
        str | None, typer.Option("--run", help="Only this run's artifacts (ignores selection).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Latest run of this profile.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, max=MAX_JSON_SAFE_INT)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Artifacts of a video, through its selection policy (see `eioku select`)."""
    settings = current_settings()
    db = open_database(settings)
    with db.sessions() as session:
        found = find_video(session, video)
        if run_id is not None:
            require_run_of_video(session, found, run_id)
        manager = policy_manager(AnalyzerCatalog(settings), session, found.video_id)
        repository = ArtifactRepository(session, manager)
        envelopes = repository.get_by_asset(
            found.video_id,
            artifact_type=artifact_type,
            from_ms=parse_timestamp_ms(from_ms),
            to_ms=parse_timestamp_ms(to_ms),
            overlap=overlap,
            profile=profile,
            run_id=run_id,
            limit=limit,
        )
    if as_json:
        render.print_json([envelope.model_dump(mode="json") for envelope in envelopes])
    else:
        render.print_artifacts(envelopes)
        render.print_untrained_notes(
            {item.run_id: item.model_id for item in envelopes if is_untrained(item.model_id)}
        )


def select(
    video: VideoArgument,
    artifact_type: Annotated[str, typer.Argument(help="Artifact type, e.g. scene.")],
    mode: Annotated[
        SelectionMode, typer.Option("--mode", "-m", help="Which run's artifacts count.")
    ],
    run_id: Annotated[str | None, typer.Option("--run", help="Run to pin (mode pinned).")] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Profile to prefer (mode profile).")
    ] = None,
) -> None:
    """Set the selection policy of one video's artifact type."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    known = catalog.vocabulary().artifact_types
    if artifact_type not in known:
        raise fail(f"unknown artifact type {artifact_type!r} (known: {', '.join(known)})")
    if profile is not None and len(profile) > MAX_PROFILE_NAME:
        raise fail(f"--profile: {too_long(profile)}")
    db = open_database(settings)
    try:
        policy = SelectionPolicy.requested(mode, profile, run_id)
        with db.transaction() as session:
            found = find_video(session, video)
            manager = policy_manager(catalog, session, found.video_id)
            manager.set_policy(found.video_id, artifact_type, policy)
            selected = manager.selected_run_id(found.video_id, artifact_type)
            model_id = RunRepository(session).require(selected).model_id if selected else ""
    except InvalidSelectionPolicyError as exc:
        raise fail(f"{POLICY_OPTIONS[exc.field]}: {exc.message}") from None
    render.out.print(
        f"{found.video_id} {artifact_type}: mode {mode.value}; selected run {selected or 'none'}"
    )
    if selected and is_untrained(model_id):
        render.print_untrained_notes({selected: model_id})
