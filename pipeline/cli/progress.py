"""Progress bars for long work, on stderr so that --json output stays clean."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pipeline.cli.render import err, printable
from pipeline.db.models import Run, RunStatus


class RunProgressBars:
    """One bar per run, created on the run's first progress report."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = printable(label)
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, run_id: str, fraction: float) -> None:
        if run_id not in self.tasks:
            self.tasks[run_id] = self.progress.add_task(self.label, total=1.0)
        self.progress.update(self.tasks[run_id], completed=fraction)


class WatchedRunBars:
    """One bar per run watched in the database, labelled with its current status."""

    def __init__(self, progress: Progress, labels: Mapping[str, str]) -> None:
        self.progress = progress
        self.labels = {run_id: printable(label) for run_id, label in labels.items()}
        self.tasks = {
            run_id: progress.add_task(f"{label} queued", total=1.0)
            for run_id, label in self.labels.items()
        }

    def __call__(self, run: Run) -> None:
        self.progress.update(
            self.tasks[run.run_id],
            completed=1.0 if run.status == RunStatus.SUCCEEDED else run.progress,
            description=f"{self.labels[run.run_id]} {run.status}",
        )


def _progress(*, transient: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


@contextmanager
def run_progress_bars(label: str) -> Iterator[RunProgressBars]:
    with _progress(transient=True) as progress:
        yield RunProgressBars(progress, label)


@contextmanager
def watched_run_bars(labels: Mapping[str, str]) -> Iterator[WatchedRunBars]:
    with _progress(transient=False) as progress:
        yield WatchedRunBars(progress, labels)
