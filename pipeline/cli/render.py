"""Human and machine (JSON) rendering of command results."""

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.coordinator.reports import FileReport

if TYPE_CHECKING:  # only printed here: a cached `eioku analyze` must not import them
    from pipeline.db.models import Run, Video
    from pipeline.db.repositories.run_selection import AnsweringRun
    from schemas import ArtifactEnvelope

PIPE_WIDTH = 240  # piped output is read by tools and logs, not wrapped at 80 columns


def _console(*, stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, width=width, soft_wrap=True)


out = _console(stderr=False)
err = _console(stderr=True)


def printable(text: str) -> str:
    """``text`` with control characters (terminal escapes, newlines, BEL...) written as
    Python escapes, so a file name or an error message can never drive the terminal."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def shown(text: str) -> str:
    """Untrusted text for Console.print: control characters escaped, no rich markup."""
    return escape(printable(text))


def print_json(value: Any) -> None:
    out.print_json(json.dumps(value, default=_json_default), indent=2)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def format_ms(ms: int | None) -> str:
    if ms is None:
        return "-"
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def file_report_dict(report: FileReport) -> dict[str, Any]:
    return {**asdict(report), "ok": report.ok}


OUTCOME_STYLE = {"succeeded": "green", "cached": "cyan", "skipped": "yellow"}


def print_file_error(report: FileReport) -> None:
    err.print(f"[red]error[/red]: {shown(report.error_message or '')} ({report.error_code})")


def print_file_report(report: FileReport) -> None:
    if report.error_code:
        print_file_error(report)
        return
    duration = format_ms(report.duration_ms)
    out.print(f"[bold]{shown(report.path)}[/bold]  video {report.video_id}  {duration}")
    for run in report.runs:
        style = OUTCOME_STYLE.get(run.outcome, "red")
        line = (
            f"  {run.analyzer + '/' + run.profile:<24} [{style}]{run.outcome:<10}[/{style}] "
            f"{run.artifact_count:>6} artifacts  run {run.run_id}  model {run.model_id}"
        )
        if run.error_message:
            line += f"\n    [red]{run.error_code}[/red]: {shown(run.error_message)}"
        out.print(line)


def run_dict(run: "Run") -> dict[str, Any]:
    return {column: getattr(run, column) for column in run.__table__.columns.keys()}  # noqa: SIM118


def video_dict(video: "Video") -> dict[str, Any]:
    return {column: getattr(video, column) for column in video.__table__.columns.keys()}  # noqa: SIM118


def print_status(videos: Sequence[tuple["Video", Sequence["Run"]]]) -> None:
    if not videos:
        out.print("no videos analyzed yet")
        return
    for video, runs in videos:
        out.print(
            f"[bold]{video.video_id}[/bold]  {shown(video.path)}  {format_ms(video.duration_ms)}  "
            f"{video.width}x{video.height} @ {video.fps:.3g} fps"
        )
        table = Table(box=None, pad_edge=False, show_edge=False)
        for header in (
            "run",
            "analyzer",
            "profile",
            "model",
            "status",
            "progress",
            "artifacts",
            "attempts",
            "cache key",
            "finished",
            "error",
        ):
            table.add_column(header)
        for run in runs:
            table.add_row(
                run.run_id,
                run.analyzer,
                run.profile,
                escape(run.model_id),
                run.status,
                f"{run.progress:.0%}",
                str(run.artifact_count),
                str(run.attempts),
                run.cache_key[:16],
                run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "-",
                shown(f"{run.error_code}: {run.error_message}") if run.error_code else "",
            )
        out.print(table)


SPAN_KEYS = frozenset({"start_ms", "end_ms", "timestamp_ms"})


def payload_summary(payload: dict[str, Any]) -> str:
    """The payload's fields other than its time span, as compact key=value pairs."""
    return " ".join(
        f"{key}={json.dumps(value, separators=(',', ':'))}"
        for key, value in payload.items()
        if key not in SPAN_KEYS
    )


def print_artifacts(envelopes: Sequence["ArtifactEnvelope"]) -> None:
    if not envelopes:
        out.print("no artifacts match")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for header in ("start", "end", "type", "profile", "run", "payload"):
        table.add_column(header)
    for envelope in envelopes:
        table.add_row(
            format_ms(envelope.span_start_ms),
            format_ms(envelope.span_end_ms),
            envelope.artifact_type,
            envelope.model_profile,
            envelope.run_id[:12],
            payload_summary(envelope.payload),
        )
    out.print(table)


def print_runs(runs: Sequence["Run"], windows: Mapping[str, tuple[int, int]]) -> None:
    """``windows``: (done, all) of the runs planned as windows that have not committed."""
    if not runs:
        out.print("no runs match")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for header in (
        "run",
        "video",
        "analyzer",
        "profile",
        "model",
        "status",
        "progress",
        "attempts",
        "worker",
        "heartbeat",
        "error",
    ):
        table.add_column(header)
    for run in runs:
        table.add_row(
            run.run_id,
            run.video_id,
            run.analyzer,
            run.profile,
            shown(run.model_id),
            run.status,
            _progress(run, windows.get(run.run_id)),
            str(run.attempts),
            shown(run.worker or "-"),
            run.heartbeat_at.strftime("%H:%M:%S") if run.heartbeat_at else "-",
            shown(f"{run.error_code}: {run.error_message}") if run.error_code else "",
        )
    out.print(table)


def _progress(run: "Run", windows: tuple[int, int] | None) -> str:
    share = f"{run.progress:.0%}"
    return share if windows is None else f"{share} ({windows[0]}/{windows[1]} windows)"


def print_run_notes(runs: Sequence["AnsweringRun"]) -> None:
    """After an answer, one line for each run it comes from that is an untrained test
    model's or stale."""
    unique = list(dict.fromkeys(runs))
    print_untrained_notes({run.run_id: run.model_id for run in unique if run.untrained})
    for run in unique:
        if run.stale:
            out.print(
                f"note: run {run.run_id} is stale: its profile's settings, model or engine "
                "changed since, or it ran with --set overrides (see `eioku cache diff`)"
            )


def print_untrained_notes(models: Mapping[str, str]) -> None:
    """One line for each run (id -> model id) of an untrained test model shown."""
    for run_id, model_id in models.items():
        out.print(
            f"note: run {run_id} comes from an untrained test model ({shown(model_id)}): "
            "its results mean nothing"
        )
