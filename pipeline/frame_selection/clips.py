"""The selection file's identity of its inputs: each clip's path, size, mtime and sha1,
the config fingerprint and the engine id, hashed into the file's ``cache_key``."""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.frame_selection.config import SelectionConfig
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import hash_file, stat_media_file
from schemas.selection_file import ClipInput, ClipRole

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def clip_input(path: str | Path, role: ClipRole, known: Sequence[ClipInput] = ()) -> ClipInput:
    """The clip as the file records it. Its sha1 is taken from a ``known`` entry (the
    stored file's) with the same path, size and mtime rather than read again: hashing
    costs a read of the whole clip (130-170 ms per 256 MiB here)."""
    stat = stat_media_file(path)
    mtime = mtime_utc(stat.path, stat.mtime_ns)
    sha1 = next(
        (
            clip.sha1
            for clip in known
            if (clip.path, clip.size, clip.mtime) == (stat.path, stat.size_bytes, mtime)
        ),
        None,
    )
    return ClipInput(
        role=role,
        path=stat.path,
        size=stat.size_bytes,
        mtime=mtime,
        sha1=sha1 or hash_file(stat.path, "sha1"),
    )


def mtime_utc(path: str, mtime_ns: int) -> str:
    """ISO 8601 in UTC to the nanosecond (``2025-10-08T03:12:45.123456789Z``), so any
    touch of the file changes it."""
    seconds, nanoseconds = divmod(mtime_ns, 1_000_000_000)
    try:
        moment = EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise MediaError("unsupported_mtime", f"{path}: modification time out of range") from None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{nanoseconds:09d}Z"


def selection_cache_key(clips: list[ClipInput], config: SelectionConfig) -> str:
    canonical = json.dumps(
        {
            "clips": [clip.model_dump() for clip in clips],
            "config_fingerprint": config.fingerprint().model_dump(),
            "engine": config.engine_id(),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
