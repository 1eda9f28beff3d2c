"""`eioku cache diff`, `regenerate`, `history` and `export` end to end on both databases,
with the real `scenes` analyzer and the scripted test analyzer as a plugin: a profile
edited in the profiles file, concurrent regenerations from two processes, a failure
retried, a deleted profile, and an export that regeneration waits for."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.coordinator.export_lock import exporting
from pipeline.db.engine import Database
from pipeline.db.models import Run
from tests.support.cli import Eioku
from tests.support.distributed import REPO
from tests.support.stored import analyzer_rows

PLUGIN = "support.analyzers:ScriptedAnalyzer"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def eioku(db: Database, home: Path) -> Eioku:
    return Eioku(db, home, EIOKU_ANALYZER_PLUGINS=PLUGIN, PYTHONPATH=str(REPO))


@pytest.fixture
def clip(tiny_video: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy2(tiny_video, tmp_path / "clip.mp4"))


def edit_profiles(home: Path, text: str) -> None:
    path = home / "profiles.toml"
    path.write_text(text)


def test_edited_profile_is_stale_then_regenerated_leaving_the_rest_identical(
    eioku: Eioku, db: Database, home: Path, clip: Path
) -> None:
    assert eioku("analyze", str(clip), "-a", "scenes,scripted").code == 0
    before = analyzer_rows(db, "scripted")
    edit_profiles(home, "[profiles.fast.scenes]\nthreshold = 31\n")

    diff = eioku("cache", "diff", str(clip))
    assert diff.code == 0, diff.stderr
    assert "scenes       Stale" in diff.stdout and "scripted     Current" in diff.stdout
    assert "1 descriptor requires regeneration to match the 'fast' profile." in diff.stdout
    [document] = eioku("cache", "diff", "--json", "--status", "stale").json()
    assert document["profiles"][0]["stale"] == ["scenes"]

    regenerated = eioku("regenerate", str(clip))
    assert regenerated.code == 0, regenerated.stderr
    assert "scenes/fast (stale): succeeded" in regenerated.stdout
    after = eioku("cache", "diff")
    assert "Stale" not in after.stdout and after.stdout.count("Current") == 2
    assert "All descriptors match the 'fast' profile." in after.stdout
    assert analyzer_rows(db, "scripted") == before  # byte-identical rows of the other descriptor
    assert eioku("regenerate").stdout.strip() == "Nothing to regenerate."

    [latest, *_] = eioku("history", str(clip), "--json").json()
    assert (latest["action"], latest["reason"], latest["status"]) == (
        "manual_regenerate", "stale", "success"
    )  # fmt: skip


@pytest.mark.slow
def test_two_concurrent_regenerations_share_one_run(
    eioku: Eioku, db: Database, home: Path, clip: Path
) -> None:
    assert eioku("analyze", str(clip), "-a", "scripted").code == 0
    edit_profiles(home, "[profiles.fast.scripted]\nstep_s = 0.4\n")  # 4 scenes: 1.6 s
    command = [sys.executable, "-m", "pipeline.cli.main", "regenerate", str(clip)]
    processes = [
        subprocess.Popen(command, env=eioku.env, cwd=REPO, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    with db.sessions() as session:
        regenerated = session.scalars(select(Run).where(Run.reason == "stale")).all()
    assert len(regenerated) == 1 and regenerated[0].status == "succeeded"
    for output in outputs:  # both saw it finish
        assert f"scripted/fast (stale): succeeded  run {regenerated[0].run_id}" in output


def test_a_failed_regeneration_is_recorded_and_the_same_command_retries_it(
    eioku: Eioku, home: Path, clip: Path
) -> None:
    assert eioku("analyze", str(clip), "-a", "scripted").code == 0
    edit_profiles(home, '[profiles.fast.scripted]\nscenes = 2\noutcome = "crash"\n')
    failed = eioku("regenerate", str(clip))
    assert failed.code == 1 and "scripted/fast (stale): failed" in failed.stdout
    assert eioku("history", "--json").json()[0]["status"] == "failure"

    edit_profiles(home, "[profiles.fast.scripted]\nscenes = 2\n")  # the cause is fixed
    retried = eioku("regenerate", str(clip))
    assert retried.code == 0 and "scripted/fast (stale): succeeded" in retried.stdout
    assert [entry["status"] for entry in eioku("history", "--json").json()][:2] == [
        "success", "failure"
    ]  # fmt: skip


def test_a_deleted_profile_blocks_until_a_replacement_is_given(
    eioku: Eioku, home: Path, clip: Path
) -> None:
    edit_profiles(home, "[profiles.meeting]\nbase = 'high_quality'\nscripted = { scenes = 2 }\n")
    assert eioku("analyze", str(clip), "-a", "scripted", "-p", "meeting").code == 0
    (home / "profiles.toml").unlink()
    message = "profile 'meeting' no longer exists; choose a replacement with --profile"
    assert message in eioku("cache", "diff").stdout
    blocked = eioku("regenerate")
    assert blocked.code == 1 and message in blocked.stderr
    replaced = eioku("regenerate", "-p", "fast")
    assert replaced.code == 0 and "scripted/fast (missing): succeeded" in replaced.stdout
    assert "Extraneous" in eioku("cache", "diff").stdout  # the old results stay, dismissable
    assert eioku("cache", "dismiss", str(clip), "-a", "scripted", "-p", "meeting").code == 0


@pytest.mark.slow
def test_regeneration_waits_for_an_export_of_the_video(
    eioku: Eioku, db: Database, home: Path, clip: Path, tmp_path: Path
) -> None:
    assert eioku("analyze", str(clip), "-a", "scripted").code == 0
    video_id = eioku("status", "--json").json()[0]["video_id"]
    edit_profiles(home, "[profiles.fast.scripted]\nscenes = 2\n")
    command = [sys.executable, "-m", "pipeline.cli.main", "regenerate", video_id]
    with exporting(home, video_id):
        process = subprocess.Popen(
            command, env=eioku.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        time.sleep(3)
        with db.sessions() as session:
            assert session.scalars(select(Run).where(Run.reason.is_not(None))).all() == []
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0 and f"{video_id}: queued after export" in stderr
    assert "(stale): succeeded" in stdout

    exported = eioku("export", video_id, "--format", "json", "--output", f"{tmp_path}/out/")
    assert exported.code == 0, exported.stderr
    summary = (tmp_path / "out" / f"{video_id}.analysis-history.json").read_text()
    assert '"manual_regenerate": 1' in summary and (tmp_path / "out" / f"{video_id}.json").exists()
    assert os.path.getsize(tmp_path / "out" / f"{video_id}.json") > 0


def test_profiles_list_show_intents_and_a_broken_profiles_file(
    eioku: Eioku, home: Path, clip: Path
) -> None:
    edit_profiles(
        home,
        '[profiles.meeting]\ndescription = "English meetings"\n'
        'transcript = { model = "base", language = "en" }\nocr = { interval_ms = 500 }\n',
    )
    listed = {item["profile"]: item for item in eioku("profiles", "list", "--json").json()}
    assert set(listed) == {"fast", "balanced", "high_quality", "meeting"}
    meeting = eioku("profiles", "show", "meeting", "--json").json()
    assert (meeting["source"], meeting["base"]) == ("file", "fast")
    rows = {row["analyzer"]: row for row in meeting["analyzers"]}
    assert rows["transcript"]["settings"]["language"] == "en"
    assert rows["transcript"]["settings"]["model"] == "base"
    assert rows["ocr"]["settings"]["interval_ms"] == 500
    assert rows["transcript"]["revision"] != listed["fast"]["analyzers"][-1]["revision"]
    unknown = eioku("profiles", "show", "nope")
    assert unknown.code == 1 and "unknown profile 'nope'" in unknown.stderr

    assert eioku("analyze", str(clip), "-a", "scenes").code == 0
    assert "(unchanged)" in eioku("intents", "set", str(clip), "-p", "fast", "-a", "scenes").stdout
    assert "(recorded)" in eioku("intents", "set", str(clip), "-p", "fast", "-a", "ocr").stdout
    [intent] = eioku("intents", "list", "--json").json()
    assert (intent["descriptors"], intent["requested_by"]) == (["ocr"], "cli")

    edit_profiles(home, "[profiles.fast\n")
    broken = eioku("cache", "diff")
    assert broken.code == 1 and broken.stderr.startswith("error: ")
    assert "profiles.toml: cannot read the profiles file" in broken.stderr
    assert "Traceback" not in broken.stderr
