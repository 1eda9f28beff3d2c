"""What every command shares and that costs no import beyond Typer and Rich: exit codes,
the one-line error, and the options of `analyze` and `submit`."""

from typing import Annotated

import typer

from pipeline.cli import render

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
