"""An API that is safe to expose: bearer tokens (read-write and read-only), `eioku serve`
refusing a public address without one, the allowed roots enforced on every file read,
bounds on request bodies, frame decoding and metrics labels."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.api.errors import ApiError
from pipeline.api.roots import check_model_paths
from pipeline.cli.serve_command import is_loopback
from pipeline.db.engine import Database
from tests.support.api import api_client
from tests.support.cli import Eioku
from tests.support.factories import make_video
from tests.test_api import assert_error

READ_WRITE, READ_ONLY = "rw-token-1", "ro-token-1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def guarded(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    tokens = {"api_tokens": ("other", READ_WRITE), "api_read_tokens": (READ_ONLY,)}
    with api_client(db, tmp_path / "home", **tokens) as client:
        yield client


def test_requests_need_a_valid_bearer_token(guarded: TestClient) -> None:
    for headers in ({}, bearer("wrong"), {"Authorization": READ_WRITE}):
        response = guarded.get("/v1/videos", headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert guarded.get("/v1/videos", headers=bearer(READ_WRITE)).status_code == 200
    assert_error(guarded.get("/metrics"), 401, "unauthorized")
    assert guarded.get("/metrics", headers=bearer(READ_ONLY)).status_code == 200


def test_a_read_only_token_reads_but_does_not_write(guarded: TestClient) -> None:
    assert guarded.get("/v1/videos", headers=bearer(READ_ONLY)).status_code == 200
    refused = guarded.post("/v1/videos", json={"path": "/x.mp4"}, headers=bearer(READ_ONLY))
    assert_error(refused, 403, "read_only_token")
    allowed = guarded.post("/v1/videos", json={}, headers=bearer(READ_WRITE))
    assert_error(allowed, 422, "invalid_parameter", "path")  # past authentication


def test_health_and_the_api_description_stay_open(guarded: TestClient) -> None:
    assert guarded.get("/healthz").json()["status"] == "ok"
    assert guarded.get("/openapi.json").status_code == 200


def test_metrics_can_be_made_public(db: Database, tmp_path: Path) -> None:
    with api_client(db, tmp_path, api_tokens=(READ_WRITE,), metrics_public=True) as client:
        assert client.get("/metrics").status_code == 200
        assert_error(client.get("/v1/videos"), 401, "unauthorized")


def test_serve_refuses_a_public_address_without_a_token(db: Database, tmp_path: Path) -> None:
    result = Eioku(db, tmp_path)("serve", "--host", "0.0.0.0")
    assert result.code == 2
    assert result.stderr.startswith("error: --host 0.0.0.0 is reachable from other machines")
    assert "EIOKU_API_TOKEN" in result.stderr and "--insecure" in result.stderr
    assert [is_loopback(host) for host in ("127.0.0.1", "::1", "localhost", "127.1.2.3")] == [
        True
    ] * 4
    assert [is_loopback(host) for host in ("0.0.0.0", "::", "10.0.0.1", "example.com")] == [
        False
    ] * 4


def test_a_body_past_the_limit_is_413_even_without_a_declared_length(
    db: Database, tmp_path: Path
) -> None:
    with api_client(db, tmp_path, max_body_bytes=1000) as client:
        declared = client.post("/v1/videos", json={"path": "x" * 2000})
        assert_error(declared, 413, "body_too_large", "body")
        streamed = client.post(
            "/v1/videos",
            content=(chunk for chunk in [b'{"path": "', b"x" * 2000, b'"}']),
            headers={"content-type": "application/json"},
        )
        assert_error(streamed, 413, "body_too_large", "body")
        small = client.post("/v1/videos", json={"path": "/x.mp4"})
        assert_error(small, 403, "path_not_allowed", "path")  # read and processed


def test_metrics_labels_do_not_grow_with_made_up_methods(db: Database, tmp_path: Path) -> None:
    with api_client(db, tmp_path) as client:
        client.get("/v1/videos")
        before = len(client.get("/metrics").text)
        for index in range(300):
            client.request(f"MADEUP{index}", f"/v1/nowhere/{index}")
        text = client.get("/metrics").text
    assert "MADEUP" not in text and 'method="other",route="unmatched"' in text
    assert len(text) < before + 5000  # one more label set, not 300


def test_a_file_no_longer_under_a_root_is_not_served(
    db: Database, tmp_path: Path, clip: Path
) -> None:
    root = clip.parent
    with api_client(db, tmp_path / "home", allowed_roots=(root.resolve(),)) as client:
        video_id = client.post("/v1/videos", json={"path": str(clip)}).json()["video_id"]
        assert client.get(f"/v1/videos/{video_id}/frames/0.jpg").status_code == 200
        # the folder is replaced by a link to a folder outside the root, same file inside
        outside = tmp_path / "outside"
        root.rename(outside)
        root.symlink_to(outside)
        assert_error(client.get(f"/v1/videos/{video_id}/frames/0.jpg"), 403, "path_not_allowed")


def test_a_file_registered_from_outside_the_roots_is_not_served(
    db: Database, tmp_path: Path, tiny_video: Path
) -> None:
    stat = os.stat(tiny_video)
    with db.transaction() as session:
        video_id = make_video(
            session, path=str(tiny_video), size_bytes=stat.st_size, mtime_ns=stat.st_mtime_ns
        ).video_id
    root = tmp_path / "videos"
    root.mkdir()
    with api_client(db, tmp_path / "home", allowed_roots=(root,)) as client:
        assert_error(client.get(f"/v1/videos/{video_id}/frames/0.jpg"), 403, "path_not_allowed")


def test_frames_larger_than_the_pixel_limit_are_413(
    db: Database, tmp_path: Path, tiny_video: Path
) -> None:
    with db.transaction() as session:
        video_id = make_video(session, path=str(tiny_video), width=8000, height=8000).video_id
    roots = (tiny_video.parent,)
    with api_client(db, tmp_path, allowed_roots=roots, max_frame_pixels=4096 * 4096) as client:
        response = client.get(f"/v1/videos/{video_id}/frames/0.jpg")
    assert_error(response, 413, "frame_too_large")
    assert "8000x8000" in response.json()["error"]["message"]


def test_frame_decodes_past_the_bound_are_503_busy(
    db: Database, tmp_path: Path, clip: Path
) -> None:
    settings = {"allowed_roots": (clip.parent,), "frame_decodes": 1}
    with api_client(db, tmp_path / "home", **settings) as client:
        video_id = client.post("/v1/videos", json={"path": str(clip)}).json()["video_id"]
        with client.app.state.eioku.frame_slots.slot():  # type: ignore[attr-defined]
            busy = client.get(f"/v1/videos/{video_id}/frames/0.jpg")
        assert_error(busy, 503, "busy")
        assert busy.headers["Retry-After"] == "1"
        assert client.get(f"/v1/videos/{video_id}/frames/0.jpg").status_code == 200


def test_model_paths_must_lie_under_an_allowed_models_root(
    db: Database, tmp_path: Path, tiny_video: Path
) -> None:
    models = tmp_path / "models"
    (models / "whisper").mkdir(parents=True)
    (models / "link").symlink_to(tmp_path)
    settings = {"allowed_roots": (tiny_video.parent,), "allowed_model_roots": (models,)}
    with api_client(db, tmp_path / "home", **settings) as client:
        for escape in (str(models / ".." / "x"), str(models / "link" / "x")):
            refused = client.post(
                "/v1/videos",
                json={
                    "path": str(tiny_video),
                    "analyzers": ["transcript"],
                    "overrides": {"transcript": {"model_path": escape}},
                },
            )
            assert_error(refused, 403, "path_not_allowed", "overrides.transcript.model_path")
    overrides = {"faces": {"models_dir": str(models / "whisper"), "jitters": 1}}
    check_model_paths(overrides, (models,))
    assert overrides == {"faces": {"models_dir": str(models / "whisper"), "jitters": 1}}
    with pytest.raises(ApiError) as refused_without_roots:
        check_model_paths({"ocr": {"model_dir": str(models)}}, ())
    assert refused_without_roots.value.status_code == 403
