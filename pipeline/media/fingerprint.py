"""Content identity of a file: a sha256 over all its bytes, plus the cheap stat facts
(size, mtime) that let an unchanged file skip re-hashing."""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.media.errors import MediaError

HASH_CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileStat:
    path: str
    size_bytes: int
    mtime_ns: int


def stat_media_file(path: str | os.PathLike[str]) -> FileStat:
    """Stat a file we are asked to analyze, refusing what cannot be a video (including a
    path the system cannot resolve: a symlink loop, a name or path too long)."""
    try:
        resolved = Path(path).expanduser().resolve()
        if not resolved.exists():
            raise MediaError("not_found", f"{path}: no such file")
        if not resolved.is_file():
            raise MediaError("not_a_file", f"{path}: not a regular file")
        info = resolved.stat()
    except RuntimeError:  # pathlib's report of a symlink loop
        raise MediaError("unresolvable_path", f"{path}: symlink loop") from None
    except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP, EACCES, NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise MediaError("unresolvable_path", f"{path}: cannot resolve ({reason})") from None
    if info.st_size == 0:
        raise MediaError("empty_file", f"{path}: file is empty (0 bytes)")
    try:
        str(resolved).encode("utf-8")
    except UnicodeEncodeError:  # bytes the system decoded as surrogates (PEP 383)
        name = os.fsencode(resolved).decode("utf-8", "backslashreplace")
        raise MediaError(
            "non_utf8_path",
            f"{name}: the path is not UTF-8, which the database stores paths in; rename it",
        ) from None
    return FileStat(str(resolved), info.st_size, info.st_mtime_ns)


def hash_file(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as exc:
        raise MediaError("unreadable_file", f"{path}: cannot read ({exc.strerror})") from exc
    return digest.hexdigest()


EDGE_BYTES = 64 * 1024


def edge_digest(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's first and last ``EDGE_BYTES``: cheap at any size, and it
    tells an overwrite in place that kept the size (and had its mtime restored)."""
    digest = hashlib.sha256(usedforsecurity=False)
    try:
        with open(path, "rb") as handle:
            digest.update(handle.read(EDGE_BYTES))
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(size - EDGE_BYTES, 0))
            digest.update(handle.read(EDGE_BYTES))
    except OSError as exc:
        raise MediaError("unreadable_file", f"{path}: cannot read ({exc.strerror})") from exc
    return digest.hexdigest()
