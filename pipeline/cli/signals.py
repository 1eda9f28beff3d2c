"""SIGTERM handled like Ctrl-C while a command executes runs, so the run in progress is
recorded ``cancelled`` instead of being left ``running`` by a vanished process."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from pipeline.coordinator.execution import TerminationRequested


def _raise_termination(signum: int, frame: FrameType | None) -> None:
    raise TerminationRequested


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _raise_termination)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
