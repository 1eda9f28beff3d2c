"""POST /v1/videos (allowed roots, validation, in-process execution, the cache, sending
to a real Redis broker), frames as JPEG, and `eioku serve`."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import redis
from fastapi.testclient import TestClient

from pipeline.db.engine import Database
from support.synthetic import alternating_shots, write_video
from tests.support.api import api_client
from tests.support.cli import Eioku
from tests.support.distributed import RedisServer
from tests.test_api import assert_error

SIZE = (160, 120)
FRAMES = 30 + 45 + 25


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "sample.mp4"
    return write_video(path, alternating_shots([30, 45, 25]), size=SIZE)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir()
    return folder


@pytest.fixture
def clip(sample: Path, root: Path) -> Path:
    return Path(shutil.copy2(sample, root / "clip.mp4"))


@pytest.fixture
def client(db: Database, tmp_path: Path, root: Path) -> Iterator[TestClient]:
    with api_client(db, tmp_path / "home", allowed_roots=(root.resolve(),)) as client:
        yield client


def test_submit_runs_in_process_then_answers_from_the_cache(client: TestClient, clip: Path) -> None:
    first = client.post("/v1/videos", json={"path": str(clip), "analyzers": ["scenes"]})
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["execution"] == "in_process"
    [planned] = body["runs"]
    assert (planned["analyzer"], planned["cached"], planned["outcome"]) == (
        "scenes",
        False,
        "queued",
    )
    # the background task has run by the time the test client returns
    run = client.get(f"/v1/runs/{planned['run_id']}").json()
    assert (run["status"], run["artifact_count"]) == ("succeeded", 3)
    scenes = client.get(f"/v1/videos/{body['video_id']}/artifacts", params={"type": "scene"})
    assert len(scenes.json()["artifacts"]) == 3

    again = client.post("/v1/videos", json={"path": str(clip)}).json()
    assert [(r["run_id"], r["cached"], r["outcome"]) for r in again["runs"]] == [
        (planned["run_id"], True, "cached")
    ]


def test_without_a_profile_the_configured_default_profile_is_used(
    db: Database, tmp_path: Path, root: Path, clip: Path
) -> None:
    home, roots = tmp_path / "home", (root.resolve(),)
    with api_client(db, home, allowed_roots=roots, default_profile="balanced") as client:
        [by_default] = client.post("/v1/videos", json={"path": str(clip)}).json()["runs"]
        chosen = {"path": str(clip), "profile": "high_quality"}
        [explicit] = client.post("/v1/videos", json=chosen).json()["runs"]
    assert (by_default["profile"], explicit["profile"]) == ("balanced", "high_quality")


def test_paths_outside_the_allowed_roots_are_403(
    client: TestClient, sample: Path, root: Path, clip: Path
) -> None:
    outside = {"path": str(sample)}
    assert_error(client.post("/v1/videos", json=outside), 403, "path_not_allowed", "path")
    sneaky = {"path": f"{root}/../{sample.parent.name}/{sample.name}"}
    assert_error(client.post("/v1/videos", json=sneaky), 403, "path_not_allowed", "path")
    (root / "link.mp4").symlink_to(sample)
    linked = {"path": str(root / "link.mp4")}
    assert_error(client.post("/v1/videos", json=linked), 403, "path_not_allowed", "path")
    assert_error(client.post("/v1/videos", json={"path": "/etc/passwd"}), 403, "path_not_allowed")
    assert_error(client.post("/v1/videos", json={"path": "clip.mp4"}), 403, "path_not_allowed")


def test_without_allowed_roots_every_path_is_403(db: Database, tmp_path: Path, clip: Path) -> None:
    with api_client(db, tmp_path / "home") as client:
        response = client.post("/v1/videos", json={"path": str(clip)})
    assert_error(response, 403, "path_not_allowed", "path")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"analyzers": ["nope"]}, "invalid_parameter", "analyzers"),
        ({"analyzers": []}, "invalid_parameter", "analyzers"),
        ({"profile": "ultra"}, "invalid_parameter", "profile"),
        ({"overrides": {"scenes": {"threshold": "high"}}}, "invalid_parameter", None),
        ({"overrides": {"ocr": {}}}, "invalid_parameter", "overrides"),
        ({"force": "yes please"}, "invalid_parameter", "force"),
        ({"unknown": 1}, "invalid_parameter", "unknown"),
    ],
)
def test_invalid_submissions_are_422(
    client: TestClient, clip: Path, body: dict[str, object], code: str, field: str | None
) -> None:
    response = client.post("/v1/videos", json={"path": str(clip), **body})
    assert_error(response, 422, code, field)
    if field is None:
        assert response.json()["error"]["field"].startswith("overrides.scenes.threshold")


def test_unusable_files_are_422_with_the_media_error_code(client: TestClient, root: Path) -> None:
    (root / "empty.mp4").touch()
    (root / "notes.mp4").write_text("not a video at all")
    cases = {"missing.mp4": "not_found", "empty.mp4": "empty_file", ".": "not_a_file"}
    for name, code in cases.items():
        response = client.post("/v1/videos", json={"path": str(root / name)})
        assert_error(response, 422, code, "path")
    garbage = client.post("/v1/videos", json={"path": str(root / "notes.mp4")})
    assert garbage.status_code == 422 and garbage.json()["error"]["field"] == "path"
    assert client.get("/v1/videos").json() == {"videos": []}
    assert_error(
        client.post("/v1/videos", json={"path": "a\x00b"}), 422, "invalid_parameter", "path"
    )
    assert_error(client.post("/v1/videos", json={}), 422, "invalid_parameter", "path")


def test_frames_decode_to_the_video_size_and_404_past_the_end(
    client: TestClient, clip: Path
) -> None:
    video_id = client.post("/v1/videos", json={"path": str(clip)}).json()["video_id"]
    for index in (0, 44, FRAMES - 1):
        response = client.get(f"/v1/videos/{video_id}/frames/{index}.jpg")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/jpeg"
        image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (SIZE[1], SIZE[0], 3)
    assert_error(client.get(f"/v1/videos/{video_id}/frames/{FRAMES}.jpg"), 404, "frame_not_found")
    assert_error(client.get(f"/v1/videos/{video_id}/frames/-1.jpg"), 422, "invalid_parameter")
    assert_error(client.get(f"/v1/videos/{video_id}/frames/one.jpg"), 422, "invalid_parameter")

    os.utime(clip, ns=(0, 0))
    assert_error(client.get(f"/v1/videos/{video_id}/frames/0.jpg"), 409, "input_changed")
    clip.unlink()
    assert_error(client.get(f"/v1/videos/{video_id}/frames/0.jpg"), 404, "video_file_unavailable")


def test_frames_show_the_right_shot(client: TestClient, clip: Path) -> None:
    """Shots alternate between two looks; frame 29 and 30 lie on either side of a cut."""
    video_id = client.post("/v1/videos", json={"path": str(clip)}).json()["video_id"]

    def mean(index: int) -> float:
        content = client.get(f"/v1/videos/{video_id}/frames/{index}.jpg").content
        return float(cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_GRAYSCALE).mean())

    assert abs(mean(29) - mean(30)) > 20
    assert abs(mean(0) - mean(29)) < 20


def test_with_a_broker_runs_are_sent_and_queue_depth_is_exported(
    postgresql_database: Database, broker: RedisServer, tmp_path: Path, root: Path, clip: Path
) -> None:
    from tests.support.factories import clear_tables

    clear_tables(postgresql_database)
    settings = {"allowed_roots": (root.resolve(),), "broker_url": broker.url}
    with api_client(postgresql_database, tmp_path / "home", **settings) as client:
        response = client.post("/v1/videos", json={"path": str(clip)})
        assert response.status_code == 202, response.text
        assert response.json()["execution"] == "broker"
        [planned] = response.json()["runs"]
        assert planned["outcome"] == "queued"
        run = client.get(f"/v1/runs/{planned['run_id']}").json()
        assert run["status"] == "queued" and run["task_id"]
        queue = "eioku.analyze.scenes"
        assert redis.Redis.from_url(broker.url).llen(queue) == 1
        metrics = client.get("/metrics").text
        assert f'eioku_queue_depth{{queue="{queue}"}} 1.0' in metrics
        assert 'eioku_runs{status="queued"} 1.0' in metrics
        broker.stop()  # an unreachable broker drops the gauge, never the endpoint
        metrics = client.get("/metrics")
        assert metrics.status_code == 200 and "eioku_queue_depth" not in metrics.text


def test_serve_is_a_command(db: Database, tmp_path: Path) -> None:
    result = Eioku(db, tmp_path / "home")("serve", "--help")
    assert result.code == 0
    assert "--host" in result.stdout and "--port" in result.stdout
