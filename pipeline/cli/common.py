"""What the command modules share: errors and exit codes, opening the database, the
options of `analyze` and `submit`, and validation of an analysis request."""

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.options import parse_overrides, split_names
from pipeline.coordinator.registration import find_video
from pipeline.coordinator.submission import AnalysisRequest, InvalidRequestError, check_request
from pipeline.db.connect import open_database
from pipeline.db.engine import Database
from pipeline.db.migrate import SchemaOutOfDateError
from pipeline.db.models import Video
from pipeline.db.repositories import SelectionPolicyManager, VideoNotFoundError
from pipeline.settings import Settings, load_settings

EXIT_FAILED = 1
EXIT_USAGE = 2

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AnalyzersOption = Annotated[
    str, typer.Option("--analyzers", "-a", help="Comma-separated analyzer names.")
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help="fast, balanced or high_quality (default: EIOKU_DEFAULT_PROFILE, else fast).",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Recompute even when a cached result exists.")
]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Continue unfinished runs with the current cache key.")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Analyzer setting, e.g. scenes.threshold=30."),
]


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    render.err.print(f"[red]error[/red]: {render.shown(message)}")
    return typer.Exit(code)


def open_db(settings: Settings) -> Database:
    try:
        return open_database(settings)
    except SchemaOutOfDateError as exc:
        raise fail(str(exc), EXIT_FAILED) from None


def policy_manager(settings: Settings, session: Session) -> SelectionPolicyManager:
    return SelectionPolicyManager(session, profile_order=settings.profile_order)


def video_or_fail(session: Session, reference: str) -> Video:
    try:
        return find_video(session, reference)
    except VideoNotFoundError as exc:
        raise fail(str(exc), EXIT_FAILED) from None


def analysis_request(
    catalog: AnalyzerCatalog,
    analyzers: str,
    profile: str | None,
    overrides: list[str] | None,
    *,
    force: bool,
    resume: bool,
) -> AnalysisRequest:
    """The request, checked before any file is touched: analyzers, profile and every
    override must be valid for all the files alike. Without a profile, the configured
    default profile is used."""
    request = AnalysisRequest(
        analyzers=split_names(analyzers),
        profile=load_settings().default_profile if profile is None else profile,
        overrides=parse_overrides(overrides or []),
        force=force,
        resume=resume,
    )
    try:
        check_request(catalog, request)
    except InvalidRequestError as exc:
        raise fail(exc.message) from None
    return request
