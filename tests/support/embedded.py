"""`eioku analyze` and `eioku serve` as real processes on a given database, with the
scripted test analyzer, for tests that kill, signal or race them."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import select

from pipeline.db.engine import Database
from pipeline.db.models import Run
from tests.support.distributed import REPO, free_port, wait_until

PLUGIN = "support.analyzers:ScriptedAnalyzer"


def process_env(home: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of an `eioku` process; no database URL: the home's SQLite."""
    env = {
        **os.environ,
        "EIOKU_HOME": str(home),
        "EIOKU_ANALYZER_PLUGINS": PLUGIN,
        "PYTHONPATH": str(REPO),
        **extra,
    }
    env.pop("EIOKU_DATABASE_URL", None)
    if database_url is not None:
        env["EIOKU_DATABASE_URL"] = database_url
    return env


def start_eioku(
    env: dict[str, str], *args: str, output: IO[str] | None = None
) -> subprocess.Popen[str]:
    """Output is piped for communicate(), or all of it written to ``output``."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        env=env,
        cwd=REPO,
        stdout=output or subprocess.PIPE,
        stderr=subprocess.STDOUT if output else subprocess.PIPE,
        text=True,
    )


def analyze_args(clip: Path, *, step_s: float = 0.3, scenes: int = 8) -> list[str]:
    return ["analyze", str(clip), "-a", "scripted", "--set", f"scripted.step_s={step_s}",
            "--set", f"scripted.scenes={scenes}", "--json"]  # fmt: skip


def wait_for_progress(db: Database, timeout_s: float = 60) -> str:
    """The id of the one run once it is running and has reported some progress."""

    def running() -> str | None:
        with db.sessions() as session:
            query = select(Run.run_id).where(Run.status == "running", Run.progress > 0)
            return session.scalars(query).first()

    wait_until(lambda: running() is not None, timeout_s, "a run in progress")
    run_id = running()
    assert run_id is not None
    return run_id


def run_row(db: Database, run_id: str) -> Run:
    with db.sessions() as session:
        return session.get_one(Run, run_id)


def wait_for_http(base: str, timeout_s: float = 60) -> None:
    """Until `eioku serve` at ``base`` answers its health check."""

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(answers, timeout_s, f"eioku serve at {base}")


@contextmanager
def eioku_serve(env: dict[str, str]) -> Iterator[str]:
    """`eioku serve` on a free loopback port in ``env``, its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base, 30)
        yield base
    finally:
        process.terminate()
        process.wait(10)
