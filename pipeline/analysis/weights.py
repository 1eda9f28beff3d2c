"""The sha256 of a model's weights file, remembered per (path, size, mtime) in a small JSON
cache under EIOKU_HOME, so planning a cached run neither re-reads large weights nor
imports the model library. Each file hashed is noted for an analyze stamp being worked out
(pipeline/analysis/consulted.py)."""

import json
from pathlib import Path

from pipeline.analysis.consulted import note_consulted
from pipeline.files import atomic_write_bytes
from pipeline.media.fingerprint import hash_file


def weights_sha256(path: Path, cache_file: Path) -> str:
    """``cache_file``: where hashes are remembered (``Settings.weights_cache_file``)."""
    resolved = path.resolve()
    stat = resolved.stat()
    key = str(resolved)
    note_consulted(key, stat)
    cache = _read(cache_file)
    entry = cache.get(key)
    if entry and (entry.get("size"), entry.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns):
        return str(entry["sha256"])
    digest = hash_file(resolved)
    cache[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    atomic_write_bytes(cache_file, json.dumps(cache, indent=1, sort_keys=True).encode())
    return digest


def _read(cache_file: Path) -> dict[str, dict[str, object]]:
    """A missing or malformed cache is an empty one (it is only ever a shortcut)."""
    try:
        loaded = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
