import hashlib
from pathlib import Path

import pytest

from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import HASH_CHUNK_BYTES, hash_file, stat_media_file


def test_hash_covers_every_byte(tmp_path: Path) -> None:
    data = bytes(range(256)) * (HASH_CHUNK_BYTES // 256 + 3)  # spans several chunks
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    assert hash_file(path) == hashlib.sha256(data).hexdigest()
    path.write_bytes(data[:-1] + b"\x00")
    assert hash_file(path) != hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "code"),
    [("missing.mp4", "not_found"), ("folder.mp4", "not_a_file"), ("empty.mp4", "empty_file")],
)
def test_stat_refuses_what_cannot_be_a_video(tmp_path: Path, name: str, code: str) -> None:
    (tmp_path / "folder.mp4").mkdir()
    (tmp_path / "empty.mp4").touch()
    with pytest.raises(MediaError) as raised:
        stat_media_file(tmp_path / name)
    assert raised.value.code == code


def test_stat_reports_resolved_path_size_and_mtime(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"12345")
    stat = stat_media_file(tmp_path / "." / "a.bin")
    assert stat.path == str(path.resolve())
    assert stat.size_bytes == 5
    assert stat.mtime_ns == path.stat().st_mtime_ns
