"""The selection file's identity of its inputs: each clip's path, size, mtime and sha1,
the config fingerprint and the engine id, hashed into the file's ``cache_key``."""

import hashlib
import json
from pathlib import Path

from pipeline.frame_selection.config import SelectionConfig
from pipeline.media.fingerprint import hash_file, stat_media_file
from schemas.selection_file import ClipInput, ClipRole


def clip_input(path: str | Path, role: ClipRole) -> ClipInput:
    stat = stat_media_file(path)
    return ClipInput(
        role=role,
        path=stat.path,
        size=stat.size_bytes,
        mtime=stat.mtime_ns / 1e9,
        sha1=hash_file(stat.path, "sha1"),
    )


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
