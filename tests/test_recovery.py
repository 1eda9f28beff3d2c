"""Interrupted embedded runs recover by themselves, on SQLite and PostgreSQL, with real
`eioku analyze` processes: SIGKILL, SIGTERM and a database cut mid-run; `cancel` and
`reconcile` without a broker."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.coordinator.owner import ProcessOwner
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from pipeline.db.repositories import RunRepository
from support.synthetic import alternating_shots, write_video
from tests.support.cli import Eioku
from tests.support.distributed import TcpProxy
from tests.support.embedded import (
    PLUGIN,
    analyze_args,
    process_env,
    run_row,
    start_eioku,
    wait_for_progress,
)
from tests.support.factories import clear_tables, make_run, make_video
from tests.support.stored import artifact_count

# Far longer than any test: a run taken over before this was taken over at once.
NEVER_STALE = "600"


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4", alternating_shots([20, 20]))


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def finish(process: subprocess.Popen[str], timeout_s: float = 120) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=timeout_s)
    return process.returncode, stdout, stderr


def only_run(stdout: str) -> dict:
    (report,) = json.loads(stdout)
    (run,) = report["runs"]
    return run


@pytest.mark.slow
@pytest.mark.parametrize("rerun_flags", [[], ["--force"]], ids=["plain", "force"])
def test_a_killed_run_is_taken_over_at_once_by_a_rerun(
    db: Database, clip: Path, tmp_path: Path, rerun_flags: list[str]
) -> None:
    env = process_env(tmp_path / "home", url_of(db), EIOKU_STALE_AFTER=NEVER_STALE)
    first = start_eioku(env, *analyze_args(clip))
    run_id = wait_for_progress(db)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert run_row(db, run_id).status == RunStatus.RUNNING  # nobody could record the death

    began = time.monotonic()
    code, stdout, stderr = finish(start_eioku(env, *analyze_args(clip), *rerun_flags))

    assert code == 0, stderr
    assert time.monotonic() - began < 60  # not the 600 s a silent heartbeat would need
    report = only_run(stdout)
    assert (report["run_id"], report["outcome"]) == (run_id, "succeeded")
    run = run_row(db, run_id)
    assert (run.status, run.attempts, run.artifact_count) == ("succeeded", 2, 8)


@pytest.mark.slow
def test_sigterm_cancels_the_run_like_ctrl_c(db: Database, clip: Path, tmp_path: Path) -> None:
    env = process_env(tmp_path / "home", url_of(db))
    process = start_eioku(env, *analyze_args(clip))
    run_id = wait_for_progress(db)
    process.send_signal(signal.SIGTERM)
    code, _, stderr = finish(process, 30)

    assert code == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
    run = run_row(db, run_id)
    assert (run.status, run.error_code) == ("cancelled", "interrupted")
    assert "SIGTERM" in (run.error_message or "")
    with db.sessions() as session:
        assert artifact_count(session, run_id) == 0


def test_a_run_cut_off_from_its_database_is_taken_over_once_it_is_back(
    postgresql_database: Database, clip: Path, tmp_path: Path
) -> None:
    db = postgresql_database
    clear_tables(db)
    proxy = TcpProxy(db.engine.url.port or 5432)
    proxy.restore()
    via_proxy = db.engine.url.set(host="127.0.0.1", port=proxy.port)
    env = process_env(
        tmp_path / "home",
        via_proxy.render_as_string(hide_password=False),
        EIOKU_STALE_AFTER=NEVER_STALE,
    )
    try:
        process = start_eioku(env, *analyze_args(clip))
        run_id = wait_for_progress(db)
        proxy.cut()
        code, _, stderr = finish(process, 60)
        assert code == 1 and "database unavailable" in stderr, stderr
        assert "takes over the run left unfinished" in stderr and "Traceback" not in stderr
        assert run_row(db, run_id).status == RunStatus.RUNNING

        proxy.restore()
        code, stdout, stderr = finish(start_eioku(env, *analyze_args(clip)))
    finally:
        proxy.cut()
    assert code == 0, stderr
    assert only_run(stdout)["run_id"] == run_id
    assert (run_row(db, run_id).status, run_row(db, run_id).attempts) == ("succeeded", 2)


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def orphaned_run(db: Database, clip: Path, tmp_path: Path) -> str:
    """A run left `running` by an `eioku analyze` killed with SIGKILL."""
    env = process_env(tmp_path / "home", url_of(db), EIOKU_STALE_AFTER=NEVER_STALE)
    process = start_eioku(env, *analyze_args(clip))
    run_id = wait_for_progress(db)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    return run_id


@pytest.mark.slow
def test_reconcile_without_a_broker_requeues_a_run_whose_process_died(
    db: Database, clip: Path, tmp_path: Path
) -> None:
    run_id = orphaned_run(db, clip, tmp_path)
    eioku = Eioku(
        db, tmp_path / "home", EIOKU_STALE_AFTER=NEVER_STALE, EIOKU_ANALYZER_PLUGINS=PLUGIN
    )

    result = eioku("reconcile")

    assert result.code == 0, result.stderr
    assert "requeued 1, failed 0" in result.stdout
    assert "eioku analyze" in result.stdout  # how the requeued run gets executed
    assert run_row(db, run_id).status == RunStatus.QUEUED
    again = eioku(*analyze_args(clip))
    assert again.code == 0, again.stderr
    assert only_run(again.stdout)["run_id"] == run_id
    assert run_row(db, run_id).status == RunStatus.SUCCEEDED


@pytest.mark.slow
def test_cancel_without_a_broker(db: Database, clip: Path, tmp_path: Path) -> None:
    run_id = orphaned_run(db, clip, tmp_path)
    eioku = Eioku(db, tmp_path / "home")

    cancelled = eioku("cancel", run_id)
    assert cancelled.code == 0, cancelled.stderr
    assert run_row(db, run_id).status == RunStatus.CANCELLED

    refused = eioku("cancel", run_id)
    assert refused.code == 1
    assert "only queued or running runs can be cancelled" in refused.stderr
    unknown = eioku("cancel", "no-such-run")
    assert unknown.code == 1 and "eioku runs" in unknown.stderr


def test_a_run_owned_by_a_live_process_is_not_reconciled(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        video = make_video(session)
        alive = make_run(session, video.video_id, status=RunStatus.RUNNING)
        dead = make_run(session, video.video_id, status=RunStatus.RUNNING)
        me = ProcessOwner.current()
        alive.owner_host = dead.owner_host = me.host
        alive.owner_pid, alive.owner_start = me.pid, me.start
        dead.owner_pid = dead_pid()
        alive_id, dead_id = alive.run_id, dead.run_id

    result = Eioku(db, tmp_path / "home", EIOKU_STALE_AFTER=NEVER_STALE)("reconcile")

    assert "requeued 1, failed 0" in result.stdout
    with db.sessions() as session:
        runs = RunRepository(session)
        assert (runs.require(alive_id).status, runs.require(dead_id).status) == (
            "running",
            "queued",
        )
