"""Where a command writes the files its options name (`--output`, `--out`): a place that
cannot hold them is refused before any work, and a failure while writing (a full disk, a
name too long) is one `error:` line. The writes themselves are atomic
(pipeline/files.py), so a failed one leaves nothing half-written; missing folders are
created."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.cli.flags import EXIT_FAILED, fail


def output_file(path: Path, option: str | None) -> Path:
    """``path`` as a file to write or replace: not a folder, nor a device or a pipe, which
    the rename that ends an atomic write would replace."""
    with writing(path, option):
        if path.is_dir():
            raise fail(f"{_named(path, option)}: is a directory", EXIT_FAILED)
        if path.exists() and not path.is_file():
            raise fail(f"{_named(path, option)}: is not a regular file", EXIT_FAILED)
    return path


def output_folder(path: Path, option: str | None) -> Path:
    """``path`` as a folder to write files in: one, or nothing yet."""
    with writing(path, option):
        if path.exists() and not path.is_dir():
            raise fail(f"{_named(path, option)}: is not a folder", EXIT_FAILED)
    return path


@contextmanager
def writing(path: Path, option: str | None) -> Iterator[None]:
    """An OSError while the block writes ``path`` (or into it) is one `error:` line."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise fail(f"{_named(path, option)}: cannot write ({reason})", EXIT_FAILED) from None


def _named(path: Path, option: str | None) -> str:
    return f"{option} {path}" if option else str(path)
