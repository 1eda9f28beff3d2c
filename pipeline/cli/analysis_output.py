"""How `analyze` and `submit` show their file reports, whether planned here or answered
from a stamp: the same lines, the same JSON and the same exit status."""

from collections.abc import Sequence

import typer

from pipeline.cli import render
from pipeline.cli.flags import EXIT_FAILED
from pipeline.coordinator.reports import FileReport


def show_report(report: FileReport, as_json: bool) -> None:
    """One file's report as it is done (JSON waits for all of them, errors do not)."""
    if not as_json:
        render.print_file_report(report)
    elif report.error_code:
        render.print_file_error(report)


def finish(reports: Sequence[FileReport], as_json: bool) -> None:
    if as_json:
        render.print_json([render.file_report_dict(report) for report in reports])
    if not all(report.ok for report in reports):
        raise typer.Exit(EXIT_FAILED)
