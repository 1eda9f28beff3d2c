"""Progress bars for long work, on stderr so that --json output stays clean."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pipeline.cli.render import err


class RunProgressBars:
    """One bar per run, created on the run's first progress report."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = label
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, run_id: str, fraction: float) -> None:
        if run_id not in self.tasks:
            self.tasks[run_id] = self.progress.add_task(self.label, total=1.0)
        self.progress.update(self.tasks[run_id], completed=fraction)


@contextmanager
def run_progress_bars(label: str) -> Iterator[RunProgressBars]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        yield RunProgressBars(progress, label)
