"""Cache keys: canonical (insensitive to dict order) and sensitive to every component."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pipeline.analysis.contract import ModelIdentity
from pipeline.canonical import canonical_json
from pipeline.coordinator.cache_key import cache_key, config_hash

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
configs = st.dictionaries(st.text(min_size=1, max_size=8), json_scalars, max_size=6)
components = st.fixed_dictionaries(
    {
        "input_hash": st.text(min_size=1, max_size=16),
        "analyzer": st.sampled_from(["scenes", "objects", "ocr"]),
        "engine_version": st.sampled_from(["1", "2"]),
        "model": st.builds(
            ModelIdentity,
            name=st.sampled_from(["a", "b"]),
            weights_sha256=st.none() | st.sampled_from(["00", "ff"]),
        ),
        "config": configs,
    }
)


@given(configs)
def test_config_hash_ignores_key_order(config: dict[str, Any]) -> None:
    reversed_order = dict(reversed(list(config.items())))
    assert config_hash(config) == config_hash(reversed_order)
    assert canonical_json(config) == canonical_json(reversed_order)


@given(components, components)
def test_cache_keys_are_equal_exactly_when_components_are(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    same_inputs = canonical_json({**first, "model": first["model"].as_dict()}) == canonical_json(
        {**second, "model": second["model"].as_dict()}
    )
    assert (cache_key(**first) == cache_key(**second)) == same_inputs


def test_each_component_changes_the_key() -> None:
    base: dict[str, Any] = {
        "input_hash": "abc",
        "analyzer": "scenes",
        "engine_version": "1",
        "model": ModelIdentity("m", "00"),
        "config": {"threshold": 27},
    }
    changed = [
        {"input_hash": "abd"},
        {"analyzer": "ocr"},
        {"engine_version": "2"},
        {"model": ModelIdentity("m", "01")},
        {"model": ModelIdentity("n", "00")},
        {"model": ModelIdentity("m", "00", untrained=True)},
        {"config": {"threshold": 28}},
    ]
    keys = {cache_key(**base)} | {cache_key(**{**base, **change}) for change in changed}
    assert len(keys) == len(changed) + 1
