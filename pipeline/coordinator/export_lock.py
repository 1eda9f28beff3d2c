"""An export of a video holds a shared lock on it; regeneration of that video waits for
the exclusive lock, so an export is always one consistent state. One lock file per
video under ``$EIOKU_HOME/locks`` (processes sharing a home)."""

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _lock_path(home: Path, video_id: str) -> Path:
    folder = home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"export-{video_id}.lock"


@contextmanager
def exporting(home: Path, video_id: str) -> Iterator[None]:
    with _lock_path(home, video_id).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def after_exports(home: Path, video_id: str, on_deferred: Callable[[str], None]) -> None:
    """Return once no export of the video is writing; ``on_deferred`` is called first
    when one is."""
    with _lock_path(home, video_id).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_deferred(video_id)
            fcntl.flock(handle, fcntl.LOCK_EX)
        fcntl.flock(handle, fcntl.LOCK_UN)
