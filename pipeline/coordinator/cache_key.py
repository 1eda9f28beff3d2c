"""Cache keys (docs/ARCHITECTURE.md, "Cache key"): sha256 over the canonical JSON of
everything that decides an analyzer's output. Same key, same artifacts; a succeeded run
with the key is reused."""

from collections.abc import Mapping
from typing import Any

from pipeline.analysis.contract import ModelIdentity
from pipeline.canonical import canonical_json, sha256_hex


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
