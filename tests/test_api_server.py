"""`eioku serve` for real: uvicorn in a subprocess, an HTTP client over a TCP socket."""

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.support.embedded import eioku_serve


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, "EIOKU_HOME": str(tmp_path / "home")}
    env.pop("EIOKU_DATABASE_URL", None)  # the embedded SQLite default
    with eioku_serve(env) as base:
        yield base


def test_served_api_answers_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=5) as client:
        assert client.get("/v1/videos").json() == {"videos": []}
        missing = client.get("/v1/videos/no-such-video")
        assert missing.status_code == 404
        assert set(missing.json()["error"]) == {"code", "message", "field"}
        bad = client.get("/v1/videos/no-such-video/jump", params={"kind": "nonsense"})
        assert bad.status_code in (404, 422)
        assert "error" in bad.json()
        paths = client.get("/openapi.json").json()["paths"]
        assert "/v1/videos/{video_id}/jump" in paths and "/v1/jump/global" in paths
        assert "eioku_runs" in client.get("/metrics").text


def test_serve_gets_uvicorn_fast_loop_and_http_parser() -> None:
    """`eioku serve` leaves uvicorn's loop and http at "auto": with the locked install they
    resolve to uvloop and httptools, not asyncio's loop and h11 (bench/query.py)."""
    config = uvicorn.Config(app=lambda *_: None)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    loop_factory = config.get_loop_factory()
    assert loop_factory is not None
    loop = loop_factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
