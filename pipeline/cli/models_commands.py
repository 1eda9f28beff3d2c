"""`eioku models list|check|fetch`: where each analyzer x profile's model resolves (the
registry, pipeline.analysis.models), which are missing, and fetching them where a hub
is reachable (for building worker images)."""

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.models import ModelAnalyzer, ModelFetchError, ModelStatus
from pipeline.cli import render
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, JsonFlag, fail
from pipeline.cli.options import split_names

ModelAnalyzersOption = Annotated[
    str | None,
    typer.Option("--analyzers", "-a", help="Comma-separated analyzers (default: all with models)."),
]
ModelProfilesOption = Annotated[
    str | None, typer.Option("--profile", "-p", help="Comma-separated profiles (default: all).")
]

models_app = typer.Typer(help="The models each analyzer uses.", no_args_is_help=True)


def _selected(analyzers: str | None, profiles: str | None) -> list[tuple[ModelAnalyzer, str]]:
    catalog = AnalyzerCatalog(current_settings())
    names = split_names(analyzers) if analyzers else catalog.names()
    chosen = []
    for name in names:
        analyzer = catalog.get(name)
        if not isinstance(analyzer, ModelAnalyzer):
            if analyzers:
                raise fail(f"analyzer {name!r} uses no model")
            continue
        known = analyzer.model_profiles()
        wanted = split_names(profiles) if profiles else known
        for profile in wanted:
            if profile not in known:
                raise fail(
                    f"analyzer {name!r} has no profile {profile!r} (known: {', '.join(known)})"
                )
            chosen.append((analyzer, profile))
    return chosen


def _row(status: ModelStatus) -> str:
    offline = "yes" if status.available_offline else "no"
    sha = status.sha256[:16] if status.sha256 else "-"
    where = status.location or "-"
    return (
        f"{status.analyzer:<11}{status.profile:<13}{status.resolution.value:<10}{offline:<9}"
        f"{sha:<18}{escape(status.reference)}  {escape(where)}"
    )


def _print(statuses: list[ModelStatus], as_json: bool) -> None:
    if as_json:
        rows = [{**asdict(s), "available_offline": s.available_offline} for s in statuses]
        print(json.dumps(rows, indent=1))
        return
    render.out.print(
        f"{'analyzer':<11}{'profile':<13}{'resolves':<10}{'offline':<9}{'sha256':<18}"
        "reference  location"
    )
    for status in statuses:
        render.out.print(_row(status))
    for status in statuses:
        if status.note:
            render.out.print(f"note: {status.analyzer}/{status.profile}: {escape(status.note)}")


@models_app.command("list")
def list_models(
    analyzers: ModelAnalyzersOption = None,
    profile: ModelProfilesOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Every analyzer x profile: its model reference, where it resolves (package, file,
    hub, untrained), its sha256 and whether it is available offline."""
    _print([a.model_status(p) for a, p in _selected(analyzers, profile)], as_json)


@models_app.command("check")
def check_models(
    analyzers: ModelAnalyzersOption = None,
    profile: ModelProfilesOption = None,
) -> None:
    """Exit 1 naming each model that is not available offline and what to do about it."""
    missing = [
        status
        for status in (a.model_status(p) for a, p in _selected(analyzers, profile))
        if not status.available_offline
    ]
    for status in missing:
        render.err.print(
            f"[red]missing[/red]: {status.analyzer}/{status.profile} "
            f"{escape(status.reference)}: {escape(status.remedy or '')}"
        )
    if missing:
        raise typer.Exit(EXIT_FAILED)
    render.out.print("every model is available offline")


@models_app.command("fetch")
def fetch_models(
    analyzers: ModelAnalyzersOption = None,
    profile: ModelProfilesOption = None,
) -> None:
    """Download the models that are not here into EIOKU_MODELS_DIR (needs their hub)."""
    models_dir = current_settings().models_path
    failed = False
    for analyzer, name in _selected(analyzers, profile):
        try:
            status = analyzer.fetch_model(name, models_dir)
        except ModelFetchError as exc:
            render.err.print(f"[red]error[/red]: {analyzer.name}/{name}: {escape(str(exc))}")
            failed = True
            continue
        render.out.print(_row(status))
    if failed:
        raise typer.Exit(EXIT_FAILED)
