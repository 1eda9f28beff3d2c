"""Files read while deciding on the cache (model weights, hashed for the model's
identity), recorded with their size and mtime: a stamp holds only while they are
unchanged."""

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

ConsultedFiles = dict[str, tuple[int, int]]

_recording: ContextVar[ConsultedFiles | None] = ContextVar("consulted_files", default=None)


def note_consulted(path: str, stat: os.stat_result) -> None:
    files = _recording.get()
    if files is not None:
        files[path] = (stat.st_size, stat.st_mtime_ns)


@contextmanager
def recording_consulted() -> Iterator[ConsultedFiles]:
    files: ConsultedFiles = {}
    token = _recording.set(files)
    try:
        yield files
    finally:
        _recording.reset(token)


def all_unchanged(files: Mapping[str, Sequence[int]]) -> bool:
    for path, (size, mtime_ns) in files.items():
        try:
            stat = os.stat(path)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def file_signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime) of a file or folder; None when there is nothing there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
