import hashlib
import json
from pathlib import Path

import pytest

from pipeline.analysis import weights
from pipeline.files import atomic_output, atomic_write_bytes


def test_weights_hash_is_cached_by_size_and_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights-v1")
    cache = tmp_path / "cache" / "weights.json"
    assert weights.weights_sha256(model, cache) == hashlib.sha256(b"weights-v1").hexdigest()

    def no_reading(path: object) -> str:
        raise AssertionError("weights were hashed again")

    monkeypatch.setattr(weights, "hash_file", no_reading)
    assert weights.weights_sha256(model, cache) == hashlib.sha256(b"weights-v1").hexdigest()
    monkeypatch.undo()
    model.write_bytes(b"weights-v2, longer")
    assert weights.weights_sha256(model, cache) == hashlib.sha256(b"weights-v2, longer").hexdigest()


def test_a_malformed_cache_is_rebuilt(tmp_path: Path) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(b"x")
    cache = tmp_path / "weights.json"
    cache.write_text("{not json")
    assert weights.weights_sha256(model, cache) == hashlib.sha256(b"x").hexdigest()
    assert str(model.resolve()) in json.loads(cache.read_text())


def test_atomic_write_replaces_whole_file_or_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.bin"
    atomic_write_bytes(target, b"first")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half of the second")
        raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]  # no temporary left
