"""`eioku profiles list|show` (the profiles file over the built-in profiles) and
`eioku intents set|list` (what is wanted, declared without running it)."""

from typing import Annotated, Any

import typer

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, AnalyzersOption, JsonFlag, fail
from pipeline.cli.options import split_names
from pipeline.coordinator.cache_diff import ProfileBlockedError, Revisions
from pipeline.coordinator.planning import RequestedBy
from pipeline.coordinator.registration import find_video
from pipeline.db.connect import open_database
from pipeline.db.repositories.intents import IntentRepository

profiles_app = typer.Typer(help="Analysis profiles: built in and from EIOKU_PROFILES.")
intents_app = typer.Typer(help="Intents: which descriptors each video should have.")


def _profile_rows(catalog: AnalyzerCatalog, profile: str) -> list[dict[str, Any]]:
    """Each analyzer that has the profile: its settings, model and revision."""
    revisions = Revisions(catalog)
    rows = []
    for name in catalog.names():
        try:
            revision = revisions.get(name, profile)
        except ProfileBlockedError as exc:
            rows.append({"analyzer": name, "error": str(exc)})
            continue
        rows.append(
            {
                "analyzer": name,
                "revision": revision.value,
                "engine_version": revision.engine_version,
                "model_id": revision.model.model_id,
                "settings": revision.config,
            }
        )
    return rows


def _describe(catalog: AnalyzerCatalog, profile: str) -> dict[str, Any]:
    definition = catalog.profiles.definitions.get(profile)
    return {
        "profile": profile,
        "source": "file" if definition else "builtin",
        "base": definition.base if definition else profile,
        "description": definition.description if definition else None,
        "analyzers": _profile_rows(catalog, profile),
    }


@profiles_app.command("list")
def list_profiles(as_json: JsonFlag = False) -> None:
    """Every profile with the revision of each analyzer."""
    catalog = AnalyzerCatalog(current_settings())
    described = [_describe(catalog, name) for name in catalog.profiles.names()]
    if as_json:
        render.print_json(described)
        return
    render.out.print(f"profiles file: {render.shown(str(catalog.profiles.path))}")
    for item in described:
        base = "" if item["base"] == item["profile"] else f" (base {item['base']})"
        render.out.print(f"[bold]{item['profile']}[/bold]  {item['source']}{base}")
        for row in item["analyzers"]:
            shown = row["revision"][:12] if "revision" in row else f"unusable: {row['error']}"
            render.out.print(f"  {row['analyzer']:<12} {render.shown(shown)}")


@profiles_app.command("show")
def show_profile(
    name: Annotated[str, typer.Argument(help="Profile name.")], as_json: JsonFlag = False
) -> None:
    """The effective settings, model and revision of each analyzer in a profile."""
    catalog = AnalyzerCatalog(current_settings())
    if name not in catalog.profiles.names():
        known = ", ".join(catalog.profiles.names())
        raise fail(f"unknown profile {name!r} (known: {known})", EXIT_FAILED)
    described = _describe(catalog, name)
    if as_json:
        render.print_json(described)
        return
    render.out.print(f"[bold]{name}[/bold]  {described['source']}, base {described['base']}")
    if described["description"]:
        render.out.print(f"  {render.shown(described['description'])}")
    for row in described["analyzers"]:
        if "error" in row:
            render.out.print(f"  {row['analyzer']}: unusable: {render.shown(row['error'])}")
            continue
        render.out.print(
            f"  {row['analyzer']}: revision {row['revision']}, engine {row['engine_version']}, "
            f"model {render.shown(row['model_id'])}"
        )
        for key, value in sorted(row["settings"].items()):
            render.out.print(f"    {key} = {render.shown(repr(value))}")


@intents_app.command("set")
def set_intent(
    videos: Annotated[list[str], typer.Argument(help="Video ids or paths.")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="The profile.")],
    analyzers: AnalyzersOption = "scenes",
) -> None:
    """Declare the descriptors wanted for each video under a profile, without running."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    names = split_names(analyzers)
    unknown = sorted(set(names) - set(catalog.names()))
    if unknown:
        raise fail(f"unknown analyzer(s): {', '.join(unknown)}")
    if profile not in catalog.profiles.names():
        raise fail(f"unknown profile {profile!r} (known: {', '.join(catalog.profiles.names())})")
    with open_database(settings).transaction() as session:
        intents = IntentRepository(session)
        for reference in videos:
            video = find_video(session, reference)
            changed = intents.declare(video.video_id, profile, names, RequestedBy.CLI)
            state = "recorded" if changed else "unchanged"
            render.out.print(f"{video.video_id} {profile}: {','.join(sorted(names))} ({state})")


@intents_app.command("list")
def list_intents(
    video: Annotated[str | None, typer.Argument(help="Video id or path; all when omitted.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every intent: video, profile, descriptors, who asked and when."""
    with open_database(current_settings()).sessions() as session:
        ids = [find_video(session, video).video_id] if video else None
        rows = [
            {
                "video_id": intent.video_id,
                "profile": intent.profile,
                "descriptors": intent.descriptors,
                "requested_by": intent.requested_by,
                "requested_at": intent.requested_at,
            }
            for intent in IntentRepository(session).for_videos(ids)
        ]
    if as_json:
        render.print_json(rows)
        return
    for row in rows:
        render.out.print(
            f"{row['video_id']} {render.shown(row['profile'])}: {','.join(row['descriptors'])} "
            f"({row['requested_by']}, {row['requested_at'].isoformat(timespec='seconds')})"
        )
