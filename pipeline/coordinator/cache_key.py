"""Cache keys (docs/ARCHITECTURE.md, "Cache key"): sha256 over the canonical JSON of
everything that decides an analyzer's output. Same key, same artifacts; a succeeded run
with the key is reused."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pipeline.analysis.contract import ModelIdentity


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: equal data, equal text.
    NaN and infinities are refused (ValueError): they are not JSON."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_hash(config: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(config))


def profile_revision(
    *, analyzer: str, engine_version: str, model: ModelIdentity, config: Mapping[str, Any]
) -> str:
    """What a profile x analyzer computes with, whatever the input: a result computed
    under another revision is stale."""
    return sha256_hex(
        canonical_json(
            {
                "analyzer": analyzer,
                "engine_version": engine_version,
                "model": model.as_dict(),
                "config": dict(config),
            }
        )
    )


def cache_key(
    *,
    input_hash: str,
    analyzer: str,
    engine_version: str,
    model: ModelIdentity,
    config: Mapping[str, Any],
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "input": input_hash,
                "analyzer": analyzer,
                "engine_version": engine_version,
                "model": model.as_dict(),
                "config": dict(config),
            }
        )
    )
