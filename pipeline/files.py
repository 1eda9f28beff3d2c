"""Atomic file writes: write to a temporary file beside the target, flush, fsync, close,
then rename, so a reader never sees a half-written file and a crash leaves the old one
intact. The folder is fsynced too where the OS can open a folder (not on Windows)."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(path: Path, temporary_name: str | None = None) -> Iterator[BinaryIO]:
    """The handle to write ``path`` through. The temporary file has a unique name, or
    ``temporary_name`` when a format names it (e.g. ``generated.selection.v1.json.tmp``):
    a stale one left by a crash is replaced, never followed if it is a link, and writers
    of the folder take turns on it (an exclusive lock on the folder, where the OS has one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _opened_folder(path.parent, lock=temporary_name is not None) as folder:
        if temporary_name is None:
            descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        else:
            temporary = str(path.parent / temporary_name)
            Path(temporary).unlink(missing_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            descriptor = os.open(temporary, flags, 0o666)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if folder is not None:
            os.fsync(folder)


def atomic_write_bytes(path: Path, data: bytes, temporary_name: str | None = None) -> None:
    with atomic_output(path, temporary_name) as handle:
        handle.write(data)


@contextmanager
def _opened_folder(folder: Path, lock: bool) -> Iterator[int | None]:
    """A descriptor of the folder (for its fsync), locked when asked; None where a folder
    cannot be opened (Windows has no O_DIRECTORY, and no fsync of a folder)."""
    if not hasattr(os, "O_DIRECTORY"):
        yield None
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if lock:
            _lock(descriptor)
        yield descriptor
    finally:
        os.close(descriptor)  # releases the lock


def _lock(descriptor: int) -> None:
    import fcntl  # POSIX, as O_DIRECTORY is

    # NFS emulates flock with byte-range locks, which a folder opened read-only cannot
    # take: there the writers of one folder do not take turns
    with suppress(OSError):
        fcntl.flock(descriptor, fcntl.LOCK_EX)
