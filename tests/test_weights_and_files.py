import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable
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


NAMED = "out.bin.tmp"


def open_paths() -> set[str]:
    """What this process has open (Linux)."""
    paths = set()
    for descriptor in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            paths.add(os.readlink(f"/proc/self/fd/{descriptor}"))
    return paths


def test_a_named_temporary_is_written_flushed_synced_closed_then_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.bin"
    temporary = str(tmp_path / NAMED)
    events: list[tuple[str, object]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def replace(source: str, destination: Path) -> None:
        events.append(("replace", (source, Path(temporary).read_bytes())))
        events.append(("open at rename", temporary in open_paths()))
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write_bytes(target, b"whole", NAMED)
    assert events == [
        ("fsync", temporary),
        ("replace", (temporary, b"whole")),
        ("open at rename", False),
        ("fsync", str(tmp_path)),  # the folder, after the rename
    ]
    assert target.read_bytes() == b"whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


@pytest.mark.parametrize("named", [None, NAMED], ids=["unique-temporary", "named-temporary"])
def test_where_a_folder_cannot_be_opened_it_is_not_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str | None
) -> None:
    """Windows: no O_DIRECTORY, and opening a folder raises PermissionError."""
    real_open, real_fsync = os.open, os.fsync
    synced: list[str] = []

    def windows_open(path: str | Path, flags: int, mode: int = 0o777) -> int:
        if Path(path).is_dir():
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)

    def fsync(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.delattr(os, "O_DIRECTORY")
    monkeypatch.setattr(os, "open", windows_open)
    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"first", named)
    atomic_write_bytes(target, b"second", named)
    assert target.read_bytes() == b"second"
    assert len(synced) == 2 and all(Path(path).parent == tmp_path for path in synced)
    assert str(tmp_path) not in synced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def _stale_file(temporary: Path, victim: Path) -> None:
    temporary.write_bytes(b"left by a crash")


def _link_to_a_file(temporary: Path, victim: Path) -> None:
    temporary.symlink_to(victim)


def _dangling_link(temporary: Path, victim: Path) -> None:
    temporary.symlink_to(victim.parent / "nowhere")


@pytest.mark.parametrize(
    "leftover",
    [_stale_file, _link_to_a_file, _dangling_link],
    ids=["stale-file", "link-to-a-file", "dangling-link"],
)
def test_whatever_is_left_at_the_named_temporary_is_replaced_never_followed(
    tmp_path: Path, leftover: Callable[[Path, Path], None]
) -> None:
    folder, victim = tmp_path / "out", tmp_path / "victim.txt"
    folder.mkdir()
    victim.write_bytes(b"not yours")
    leftover(folder / NAMED, victim)
    atomic_write_bytes(folder / "out.bin", b"written", NAMED)
    assert (folder / "out.bin").read_bytes() == b"written"
    assert victim.read_bytes() == b"not yours"
    assert sorted(p.name for p in folder.iterdir()) == ["out.bin"]
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_at_the_named_temporary_fails_the_write_and_keeps_the_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"first", NAMED)
    (tmp_path / NAMED).mkdir()
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"second", NAMED)
    assert target.read_bytes() == b"first"


def test_writers_of_one_folder_take_turns_on_the_named_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    contents = [bytes([writer]) * (256 * 1024) for writer in range(4)]
    failures: list[BaseException] = []

    def write_often(content: bytes) -> None:
        try:
            for _ in range(15):
                atomic_write_bytes(target, content, NAMED)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=write_often, args=(c,)) for c in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert target.read_bytes() in contents
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]
