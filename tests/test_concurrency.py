"""Concurrent use of one home: `eioku analyze` processes started together (on a fresh
SQLite home, and on a migrated SQLite or PostgreSQL database) and POST /v1/videos fired
ten times at once all end well with one run."""

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from pipeline.db.engine import Database
from pipeline.db.models import Run
from support.synthetic import alternating_shots, write_video
from tests.support.distributed import free_port, wait_until
from tests.support.embedded import analyze_args, process_env, start_eioku, wait_for_http
from tests.test_recovery import only_run, url_of

pytestmark = pytest.mark.slow
TRIALS = 3


def new_clip(directory: Path, seed: int) -> Path:
    """A video whose content no other trial has."""
    return write_video(directory / f"clip{seed}.mp4", alternating_shots([20 + seed, 20]))


def race(env: dict[str, str], clip: Path, processes: int = 2) -> list[tuple[int, str, str]]:
    started = [start_eioku(env, *analyze_args(clip, step_s=0.1)) for _ in range(processes)]
    return [(p.wait(120), *p.communicate()) for p in started]


def assert_one_run_reported_by_all(results: list[tuple[int, str, str]]) -> None:
    for code, _, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    reports = [only_run(stdout) for _, stdout, _ in results]
    assert len({report["run_id"] for report in reports}) == 1
    assert {report["outcome"] for report in reports} <= {"succeeded", "cached"}


def test_two_analyses_on_a_fresh_home_migrate_once_and_share_the_run(tmp_path: Path) -> None:
    for trial in range(TRIALS):
        home = tmp_path / f"home{trial}"
        assert_one_run_reported_by_all(race(process_env(home, None), new_clip(tmp_path, trial)))


def test_two_analyses_on_a_migrated_database_share_the_run(db: Database, tmp_path: Path) -> None:
    env = process_env(tmp_path / "home", url_of(db))
    for trial in range(TRIALS):
        assert_one_run_reported_by_all(race(env, new_clip(tmp_path, trial)))
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == TRIALS


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`eioku serve` on a fresh SQLite home (no broker: runs execute in the server); yields
    its address and its log."""
    port = free_port()
    log = tmp_path / "server.log"
    env = process_env(tmp_path / "home", None, EIOKU_ALLOWED_ROOTS=str(tmp_path))
    with log.open("w") as output:
        process = start_eioku(env, "serve", "--port", str(port), output=output)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base)
        yield base, log
    finally:
        process.terminate()
        process.wait(10)


def test_ten_simultaneous_submissions_make_one_run_and_no_error(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, log = served
    clip = new_clip(tmp_path, 0)
    overrides = {"scripted": {"step_s": 0.1}}
    body = {"path": str(clip), "analyzers": ["scripted"], "overrides": overrides}
    answers: list[httpx.Response] = []

    def submit() -> None:
        answers.append(httpx.post(f"{base}/v1/videos", json=body, timeout=60))

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [202] * 10
    (run_id,) = {answer.json()["runs"][0]["run_id"] for answer in answers}

    def finished() -> bool:
        return httpx.get(f"{base}/v1/runs/{run_id}", timeout=5).json()["status"] == "succeeded"

    wait_until(finished, 60, f"run {run_id} to succeed")
    assert "Traceback" not in log.read_text()
