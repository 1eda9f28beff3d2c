"""The files `export`, `frames get`, `frames index` and `screenshots` write where their
options say, on SQLite and PostgreSQL: missing folders are created, and a disk that fills
up mid-write is one `error:` line that leaves nothing behind (neither the file nor its
temporary)."""

import errno
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.db.engine import Database
from tests.support.api import seed_video
from tests.support.cli import Eioku


@dataclass(frozen=True)
class Output:
    args: tuple[str, ...]  # OUT: the path given to the option
    is_folder: bool = False


OUTPUTS = {
    "export json": Output(("export", "VIDEO", "--format", "json", "--output", "OUT")),
    "export srt": Output(("export", "VIDEO", "--format", "srt", "--output", "OUT")),
    "frames get": Output(("frames", "get", "GOOD", "3", "--out", "OUT")),
    "frames index": Output(("frames", "index", "GOOD", "--out", "OUT")),
    "screenshots": Output(("screenshots", "GOOD", "--frames", "3", "--out", "OUT"), True),
}


def _run(output: Output, db: Database, tmp_path: Path, clip: Path, out: Path) -> tuple:
    video_id = seed_video(db).video_id
    values = {"VIDEO": video_id, "GOOD": str(clip), "OUT": str(out)}
    result = Eioku(db, tmp_path / "home")(*[values.get(arg, arg) for arg in output.args])
    return result.code, result.stderr


@pytest.mark.parametrize("output", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_missing_folders_are_created(
    output: Output, db: Database, tmp_path: Path, clip: Path
) -> None:
    out = tmp_path / "missing" / "folders" / "out"
    code, stderr = _run(output, db, tmp_path, clip, out)
    assert code == 0, stderr
    assert out.is_dir() if output.is_folder else out.is_file()


@pytest.mark.parametrize("output", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_a_full_disk_is_one_error_line_and_leaves_nothing(
    output: Output, db: Database, tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    fsync = os.fsync

    def disk_full(descriptor: int) -> None:
        """The disk of the output folder is full (fsync is where a filesystem may report it
        last); EIOKU_HOME's has room."""
        if os.readlink(f"/proc/self/fd/{descriptor}").startswith(str(folder)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", disk_full)
    code, stderr = _run(
        output, db, tmp_path, clip, folder / "x" if not output.is_folder else folder
    )
    assert code == 1, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "cannot write (No space left on device)" in stderr
    assert [path for path in folder.rglob("*") if not path.is_dir()] == []
