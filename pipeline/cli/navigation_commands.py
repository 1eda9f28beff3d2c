"""Navigating a video: `jump` to the next/previous artifact, `find` text, `export` the
transcript as subtitles or every artifact as JSON. All through the selection policy."""

import json
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.declarations import Produces
from pipeline.cli import render
from pipeline.cli.common import declared_kind, policy_manager, text_sources
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, JsonFlag, fail
from pipeline.cli.options import parse_timestamp_ms
from pipeline.cli.outputs import output_file, writing
from pipeline.cli.subtitles import Cue, to_srt, to_webvtt
from pipeline.coordinator.export_lock import exporting
from pipeline.coordinator.registration import find_video
from pipeline.db.connect import open_database
from pipeline.db.models import SelectionMode, Video
from pipeline.db.repositories import ArtifactRepository, HistoryRepository, SelectionPolicy
from pipeline.files import atomic_write_bytes
from pipeline.query.find import TextMatch, find_text
from pipeline.query.jump import JumpFilters, JumpTarget, jump
from pipeline.query.kinds import ALL_SOURCES, Direction, QueryParameterError
from pipeline.query.snippets import MARK_END, MARK_START
from pipeline.settings import Settings
from schemas.base import MAX_INT32, MAX_JSON_SAFE_INT
from schemas.payloads import TranscriptSegment

VideoArgument = Annotated[str, typer.Argument(help="Video id or path.")]
DirectionOption = Annotated[
    Direction, typer.Option("--direction", "-d", help="next: later than --from; prev: earlier.")
]
FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Position (ms, 12.5s or HH:MM:SS); default: the start (next) or the end (prev).",
    ),
]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", help="Use the latest run of this profile.")
]

# the option of each filter a jump refuses (QueryParameterError names the field)
JUMP_OPTIONS = {
    "label": "--label",
    "face_cluster_id": "--face-cluster",
    "min_confidence": "--min-confidence",
}
END_OF_TIME_MS = MAX_JSON_SAFE_INT + 1  # beyond any artifact: `prev` without --from
# beside a JSON export, one per video (``<video id>.analysis-history.json``), so exports
# of several videos into one folder keep every video's history
HISTORY_SUFFIX = ".analysis-history.json"


def _position(value: str | None, direction: Direction) -> int:
    parsed = parse_timestamp_ms(value)
    if parsed is not None:
        return parsed
    # strict comparisons: -1 keeps an artifact at 0 ms reachable by `next`
    return -1 if direction is Direction.NEXT else END_OF_TIME_MS


def _policy(profile: str | None) -> SelectionPolicy | None:
    return SelectionPolicy(SelectionMode.PROFILE, preferred_profile=profile) if profile else None


def jump_command(
    video: VideoArgument,
    kind: Annotated[
        str,
        typer.Option(
            "--kind", "-k", help="What to jump to: scene, transcript, ocr, face, object, ..."
        ),
    ],
    label: Annotated[
        str | None, typer.Option("--label", "-l", help="Object or place label, e.g. person.")
    ] = None,
    face_cluster: Annotated[
        int | None,
        typer.Option("--face-cluster", min=0, max=MAX_INT32, help="Person (face cluster) id."),
    ] = None,
    min_confidence: Annotated[
        float | None, typer.Option("--min-confidence", min=0.0, max=1.0)
    ] = None,
    direction: DirectionOption = Direction.NEXT,
    from_: FromOption = None,
    profile: ProfileOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Jump to the next (or previous) artifact of a kind; exit 1 when there is none."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    declared = declared_kind(catalog, kind)
    from_ms = _position(from_, direction)
    filters = JumpFilters(label=label, face_cluster_id=face_cluster, min_confidence=min_confidence)
    with open_database(settings).sessions() as session:
        found = find_video(session, video)
        try:
            target = jump(
                session,
                policy_manager(catalog, session, found.video_id),
                found.video_id,
                declared,
                direction,
                from_ms,
                filters,
                _policy(profile),
            )
        except QueryParameterError as exc:
            raise fail(f"{JUMP_OPTIONS.get(exc.field, exc.field)}: {exc.message}") from None
    if target is None:
        where = "after" if direction is Direction.NEXT else "before"
        position = (
            render.format_ms(from_ms) if from_ else f"the {'start' if from_ms < 0 else 'end'}"
        )
        raise fail(
            f"no {_describe(declared, filters)} {where} {position} in video {found.video_id}",
            EXIT_FAILED,
        )
    if as_json:
        render.print_json(_jump_dict(target))
    else:
        render.out.print(
            f"{render.format_ms(target.start_ms)} - {render.format_ms(target.end_ms)}  "
            f"{kind}  {len(target.artifact_ids)} artifact(s): " + " ".join(target.artifact_ids)
        )
        render.print_run_notes([target.run])


def _describe(kind: Produces, filters: JumpFilters) -> str:
    details = [
        f"{name}={value}"
        for name, value in (
            ("label", filters.label),
            ("face cluster", filters.face_cluster_id),
            ("min confidence", filters.min_confidence),
        )
        if value is not None
    ]
    return str(kind.jump) + (f" ({', '.join(details)})" if details else "")


def _jump_dict(target: JumpTarget) -> dict[str, Any]:
    return {
        "video_id": target.video_id,
        "jump_to": {"start_ms": target.start_ms, "end_ms": target.end_ms},
        "artifact_ids": target.artifact_ids,
        **asdict(target.run),
    }


def find_command(
    video: VideoArgument,
    text: Annotated[
        str,
        typer.Argument(
            help='Words to find (all of them, in any order); "a phrase", prefix*, a or b, '
            "-excluded. Case and accents never matter."
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source", "-s", help="transcript, ocr (any kind carrying text) or all of them."
        ),
    ] = ALL_SOURCES,
    direction: DirectionOption = Direction.NEXT,
    from_: FromOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    profile: ProfileOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Find where text is said or shown, in time order from --from."""
    settings = current_settings()
    catalog = AnalyzerCatalog(settings)
    sources = text_sources(catalog, source)
    from_ms = parse_timestamp_ms(from_)
    with open_database(settings).sessions() as session:
        found = find_video(session, video)
        matches = find_text(
            session,
            policy_manager(catalog, session, found.video_id),
            found.video_id,
            text,
            sources,
            direction=direction,
            from_ms=from_ms,
            limit=limit,
            policy=_policy(profile),
        )
    if as_json:
        render.print_json([_match_dict(match) for match in matches])
    else:
        _print_matches(matches)


def _match_dict(match: TextMatch) -> dict[str, Any]:
    return {
        "video_id": match.video_id,
        "artifact_id": match.artifact_id,
        "source": match.source,
        "jump_to": {"start_ms": match.start_ms, "end_ms": match.end_ms},
        "text": match.text,
        "snippet": match.snippet,
        **asdict(match.run),
    }


def highlighted(snippet: str) -> Text:
    """The snippet with its <mark>ed hits in bold; the rest is plain text, never markup."""
    result = Text()
    rest = snippet.replace("\n", " ")
    while rest:
        before, opened, after = rest.partition(MARK_START)
        result.append(before)
        hit, _, rest = after.partition(MARK_END)
        if opened:
            result.append(hit, style="bold")
    return result


def _print_matches(matches: list[TextMatch]) -> None:
    if not matches:
        render.out.print("no matches")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for header in ("start", "end", "source", "snippet"):
        table.add_column(header)
    for match in matches:
        table.add_row(
            render.format_ms(match.start_ms),
            render.format_ms(match.end_ms),
            match.source,
            highlighted(match.snippet),
        )
    render.out.print(table)
    render.print_run_notes([match.run for match in matches])


class ExportFormat(StrEnum):
    JSON = "json"
    VTT = "vtt"
    SRT = "srt"


def export(
    video: VideoArgument,
    format_: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="vtt/srt: transcript subtitles; json: all artifacts."),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", help="Write here (atomically), not stdout; json: a DIR/ too."
        ),
    ] = None,
    profile: ProfileOption = None,
) -> None:
    """Export the transcript as WebVTT/SRT subtitles, or every artifact as JSON (with
    --output, also the video's <video id>.analysis-history.json beside it)."""
    settings = current_settings()
    with open_database(settings).sessions() as session:
        found = find_video(session, video)
        with exporting(settings.home, found.video_id):  # regeneration waits for it
            _export(session, settings, found, format_, output, profile)


def _export_target(output: str, format_: ExportFormat, video_id: str) -> Path:
    """``DIR/`` (or an existing directory) holds a JSON export as ``<video id>.json``."""
    path = Path(output)
    with writing(path, "--output"):  # a name too long, say
        into_folder = format_ is ExportFormat.JSON and (output.endswith("/") or path.is_dir())
    return path / f"{video_id}.json" if into_folder else path


def _export(
    session: Session,
    settings: Settings,
    found: Video,
    format_: ExportFormat,
    output: str | None,
    profile: str | None,
) -> None:
    manager = policy_manager(AnalyzerCatalog(settings), session, found.video_id)
    repository = ArtifactRepository(session, manager)
    if format_ is ExportFormat.JSON:
        envelopes = repository.get_by_asset(found.video_id, profile=profile)
        document = _json_text(
            {
                "video": render.video_dict(found),
                "artifacts": [envelope.model_dump(mode="json") for envelope in envelopes],
            }
        )
        count, noun = len(envelopes), "artifacts"
    else:
        segments = repository.get_by_asset(
            found.video_id, artifact_type=TranscriptSegment.ARTIFACT_TYPE, profile=profile
        )
        cues = [
            Cue(item.span_start_ms, item.span_end_ms, item.payload["text"]) for item in segments
        ]
        document = to_webvtt(cues) if format_ is ExportFormat.VTT else to_srt(cues)
        count, noun = len(cues), "transcript segments"
    if output is None:
        typer.echo(document, nl=False)
        return
    target = _export_target(output, format_, found.video_id)
    history = target.parent / f"{found.video_id}{HISTORY_SUFFIX}"
    if format_ is ExportFormat.JSON and target == history:
        raise fail(f"--output {output}: is where the video's analysis history goes", EXIT_FAILED)
    _write_output(target, document)
    render.err.print(f"wrote {count} {noun} to {render.shown(str(target))}")
    if format_ is ExportFormat.JSON:
        summary = HistoryRepository(session).video_summary(found.video_id)
        _write_output(history, _json_text(summary))
        render.err.print(f"wrote its analysis history to {render.shown(str(history))}")


def _json_text(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=_iso_datetime)


def _write_output(output: Path, document: str) -> None:
    """Write ``document`` to ``output`` atomically, creating missing folders."""
    with writing(output_file(output, "--output"), "--output"):
        atomic_write_bytes(output, document.encode())


def _iso_datetime(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")
