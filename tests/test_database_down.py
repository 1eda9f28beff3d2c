"""The database server down: every CLI command prints one line naming where it looked
(never the password) and exits 1; the API starts anyway, answers 503
`database_unavailable` where it needs the database, and recovers without a restart."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from pipeline.api import create_app
from pipeline.db.engine import Database
from pipeline.settings import Settings
from tests.support.cli import Eioku
from tests.support.distributed import REPO, TcpProxy, free_port, wait_until
from tests.test_api import assert_error

PASSWORD = "s3cret-pw"

COMMANDS = [
    ("status",),
    ("runs",),
    ("artifacts", "abc"),
    ("jump", "abc", "--kind", "scene"),
    ("find", "abc", "budget"),
    ("export", "abc", "--format", "srt"),
    ("select", "abc", "scene", "--mode", "latest"),
    ("analyze", "clip.mp4"),
    ("db", "upgrade"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(args) for args in COMMANDS])
def test_cli_says_database_unavailable_in_one_line(args: tuple[str, ...], tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    closed = Database.from_url(f"postgresql://eioku:{PASSWORD}@127.0.0.1:{port}/eioku")
    result = Eioku(closed, tmp_path / "home")(*args)
    assert result.code == 1, result.stderr
    assert result.stderr == f"error: database unavailable: 127.0.0.1:{port}\n"
    assert PASSWORD not in result.stdout + result.stderr


@pytest.fixture
def proxy(postgresql_database: Database) -> Iterator[TcpProxy]:
    """Starts cut: the database is down when the app starts."""
    proxy = TcpProxy(postgresql_database.engine.url.port or 5432)
    yield proxy
    proxy.cut()


def test_api_starts_without_the_database_and_recovers_without_restart(
    postgresql_database: Database, proxy: TcpProxy, tmp_path: Path
) -> None:
    url = postgresql_database.engine.url.set(port=proxy.port)
    settings = Settings(home=tmp_path, database_url=url.render_as_string(hide_password=False))
    with TestClient(create_app(settings)) as client:
        _assert_down(client, proxy.port)
        proxy.restore()
        _assert_up(client)
        proxy.cut()
        _assert_down(client, proxy.port)
        proxy.restore()
        _assert_up(client)


def _assert_down(client: TestClient, port: int) -> None:
    for method, path in (
        ("GET", "/v1/videos"),
        ("GET", "/v1/videos/abc/artifacts"),
        ("GET", "/v1/runs/abc"),
        ("GET", "/v1/jump/global?kind=scene"),
        ("GET", "/healthz"),
    ):
        response = client.request(method, path)
        assert_error(response, 503, "database_unavailable")
        assert response.json()["error"]["message"] == f"database unavailable: 127.0.0.1:{port}"
    submitted = client.post("/v1/videos", json={"path": "/nowhere.mp4"})
    assert submitted.status_code in (403, 503), submitted.text  # roots are checked first
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "eioku_runs" not in metrics.text  # omitted, not invented
    assert "eioku_api_request_duration_seconds" in metrics.text


def _assert_up(client: TestClient) -> None:
    assert client.get("/v1/videos").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
    assert 'eioku_runs{status="succeeded"}' in client.get("/metrics").text


def test_eioku_serve_starts_while_the_database_is_down(tmp_path: Path) -> None:
    database_port, port = free_port(), free_port()
    env = {
        **os.environ,
        "EIOKU_HOME": str(tmp_path / "home"),
        "EIOKU_DATABASE_URL": f"postgresql://eioku:{PASSWORD}@127.0.0.1:{database_port}/eioku",
        "EIOKU_API_TOKEN": "token",
    }
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli.main", "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"

    def health() -> int | None:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code
        except httpx.HTTPError:
            return None

    try:
        wait_until(lambda: health() is not None, 30, "eioku serve")
        assert health() == 503
        videos = httpx.get(f"{base}/v1/videos", headers={"Authorization": "Bearer token"})
        assert_error(videos, 503, "database_unavailable")
    finally:
        process.terminate()
        process.wait(10)
    text = log.read_text()
    assert f"database unavailable: 127.0.0.1:{database_port}" in text
    assert "Traceback" not in text and PASSWORD not in text
