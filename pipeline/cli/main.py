"""`eioku`: analyze videos and read their artifacts (README.md documents every command)."""

import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from pipeline.analysis.catalog import AnalyzerCatalog, UnknownAnalyzerError
from pipeline.analysis.contract import UnknownProfileError
from pipeline.cli import render
from pipeline.cli.options import parse_overrides, parse_timestamp_ms, split_names
from pipeline.cli.progress import run_progress_bars
from pipeline.coordinator.embedded import AnalysisRequest, analyze_file
from pipeline.coordinator.registration import find_video
from pipeline.db.connect import open_database
from pipeline.db.engine import Database
from pipeline.db.migrate import SchemaOutOfDateError, upgrade
from pipeline.db.models import SelectionMode
from pipeline.db.repositories import (
    ArtifactRepository,
    InvalidSelectionPolicyError,
    RunRepository,
    SelectionPolicy,
    SelectionPolicyManager,
    VideoNotFoundError,
    VideoRepository,
)
from pipeline.settings import Settings, load_settings

app = typer.Typer(
    help="Eioku: turn videos into searchable, time-stamped artifacts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

EXIT_FAILED = 1
EXIT_USAGE = 2

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    render.err.print(f"[red]error[/red]: {message}")
    return typer.Exit(code)


def _open(settings: Settings) -> Database:
    try:
        return open_database(settings)
    except SchemaOutOfDateError as exc:
        raise _fail(str(exc), EXIT_FAILED) from None


def _policy(settings: Settings, session) -> SelectionPolicyManager:  # type: ignore[no-untyped-def]
    return SelectionPolicyManager(session, profile_order=settings.profile_order)


def _validate_request(catalog: AnalyzerCatalog, request: AnalysisRequest) -> None:
    unknown = set(request.overrides) - set(request.analyzers)
    if unknown:
        raise _fail(f"--set names analyzers that are not selected: {', '.join(sorted(unknown))}")
    for name in request.analyzers:
        try:
            catalog.get(name).effective_config(request.profile, request.overrides.get(name, {}))
        except (UnknownAnalyzerError, UnknownProfileError) as exc:
            raise _fail(str(exc)) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise _fail(f"{name}: invalid setting {field!r}: {first['msg']}") from None


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Video files to analyze.")],
    analyzers: Annotated[
        str, typer.Option("--analyzers", "-a", help="Comma-separated analyzer names.")
    ] = "scenes",
    profile: Annotated[
        str, typer.Option("--profile", "-p", help="fast, balanced or high_quality.")
    ] = "fast",
    force: Annotated[
        bool, typer.Option("--force", help="Recompute even when a cached result exists.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue unfinished runs with the current cache key."),
    ] = False,
    settings_overrides: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Analyzer setting, e.g. scenes.threshold=30."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Analyze video files in this process (embedded mode), reusing cached results."""
    settings = load_settings()
    catalog = AnalyzerCatalog()
    request = AnalysisRequest(
        analyzers=split_names(analyzers),
        profile=profile,
        overrides=parse_overrides(settings_overrides or []),
        force=force,
        resume=resume,
    )
    _validate_request(catalog, request)
    db = _open(settings)
    reports = []
    for path in paths:
        with run_progress_bars(path) as bars:  # transient: gone before the report prints
            report = analyze_file(db, catalog, path, request, listener=bars)
        reports.append(report)
        if not as_json:
            render.print_file_report(report)
        elif report.error_code:
            render.print_file_error(report)
    if as_json:
        render.print_json([render.file_report_dict(report) for report in reports])
    if not all(report.ok for report in reports):
        raise typer.Exit(EXIT_FAILED)


@app.command()
def status(
    video: Annotated[str | None, typer.Argument(help="Video id or path; all when omitted.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Videos, their runs, statuses and cache keys."""
    db = _open(load_settings())
    with db.sessions() as session:
        videos = VideoRepository(session)
        try:
            selected = [find_video(session, video)] if video else videos.all()
        except VideoNotFoundError as exc:
            raise _fail(str(exc), EXIT_FAILED) from None
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


@app.command()
def artifacts(
    video: Annotated[str, typer.Argument(help="Video id or path.")],
    artifact_type: Annotated[
        str | None, typer.Option("--type", "-t", help="Artifact type, e.g. scene.")
    ] = None,
    from_ms: Annotated[
        str | None, typer.Option("--from-ms", help="Earliest start (ms, 12.5s or HH:MM:SS).")
    ] = None,
    to_ms: Annotated[
        str | None, typer.Option("--to-ms", help="Latest start (ms, 12.5s or HH:MM:SS).")
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run", help="Only this run's artifacts (ignores selection).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Latest run of this profile.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1)] = None,
    as_json: JsonFlag = False,
) -> None:
    """Artifacts of a video, through its selection policy (see `eioku select`)."""
    settings = load_settings()
    db = _open(settings)
    with db.sessions() as session:
        try:
            found = find_video(session, video)
        except VideoNotFoundError as exc:
            raise _fail(str(exc), EXIT_FAILED) from None
        repository = ArtifactRepository(session, _policy(settings, session))
        envelopes = repository.get_by_asset(
            found.video_id,
            artifact_type=artifact_type,
            from_ms=parse_timestamp_ms(from_ms),
            to_ms=parse_timestamp_ms(to_ms),
            profile=profile,
            run_id=run_id,
            limit=limit,
        )
    if as_json:
        render.print_json([envelope.model_dump(mode="json") for envelope in envelopes])
    else:
        render.print_artifacts(envelopes)


@app.command()
def select(
    video: Annotated[str, typer.Argument(help="Video id or path.")],
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
    settings = load_settings()
    db = _open(settings)
    try:
        policy = SelectionPolicy(mode, preferred_profile=profile, pinned_run_id=run_id)
    except InvalidSelectionPolicyError as exc:
        raise _fail(str(exc)) from None
    with db.transaction() as session:
        try:
            found = find_video(session, video)
        except VideoNotFoundError as exc:
            raise _fail(str(exc), EXIT_FAILED) from None
        if run_id is not None:
            pinned = RunRepository(session).get(run_id)
            if pinned is None or pinned.video_id != found.video_id:
                raise _fail(f"run {run_id} is not a run of video {found.video_id}")
        manager = _policy(settings, session)
        manager.set_policy(found.video_id, artifact_type, policy)
        selected = manager.selected_run_id(found.video_id, artifact_type)
    render.out.print(
        f"{found.video_id} {artifact_type}: mode {mode.value}; selected run {selected or 'none'}"
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the configured database to the newest schema."""
    settings = load_settings()
    db = Database.from_url(settings.database_url)
    upgrade(db.engine)
    render.out.print(f"database at {db.engine.url.render_as_string()} is up to date")


def main() -> None:
    app(prog_name="eioku")


if __name__ == "__main__":
    sys.exit(main())
