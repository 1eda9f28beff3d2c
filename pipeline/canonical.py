"""Canonical JSON and its digest: equal data gives equal text and an equal hash, which
cache keys, config hashes and intent hashes rely on."""

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: equal data, equal text.
    NaN and infinities are refused (ValueError): they are not JSON."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def non_finite_key(value: Any, prefix: str = "") -> str | None:
    """The dotted key of the first NaN or infinite float in ``value``, which JSON (and so
    a run's stored config) cannot hold; None when there is none."""
    if isinstance(value, float) and not math.isfinite(value):
        return prefix
    children: list[tuple[object, Any]] = []
    if isinstance(value, Mapping):
        children = list(value.items())
    elif isinstance(value, list | tuple):
        children = list(enumerate(value))
    for key, item in children:
        found = non_finite_key(item, f"{prefix}.{key}" if prefix else str(key))
        if found is not None:
            return found
    return None
