"""The cache diff over HTTP on both databases: a profile edited in the profiles file
makes a result stale, regeneration makes it current, dismissal and history, the error
shape, and the counters in /metrics."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.db.engine import Database
from pipeline.db.repositories.intents import IntentRepository
from tests.support.api import api_client
from tests.test_api import assert_error

DESCRIPTOR_KEYS = {
    "descriptor", "status", "last_analyzed_at", "run_id", "revision", "current_revision", "paused"
}  # fmt: skip
GROUP_KEYS = {
    "profile", "blocked", "message", "descriptors_requested", "descriptors_cached", "missing",
    "stale", "extraneous", "summary", "descriptors",
}  # fmt: skip


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def client(db: Database, home: Path, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(db, home, allowed_roots=(tmp_path.resolve(),)) as client:
        yield client


@pytest.fixture
def video_id(client: TestClient, tiny_video: Path, tmp_path: Path) -> str:
    clip = shutil.copy2(tiny_video, tmp_path / "clip.mp4")
    response = client.post("/v1/videos", json={"path": str(clip), "analyzers": ["scenes"]})
    assert response.status_code == 202, response.text
    return str(response.json()["video_id"])


def edit_profiles(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "profiles.toml"
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # seen as changed


def scenes_status(client: TestClient, video_id: str) -> str:
    response = client.get(f"/v1/videos/{video_id}/cache")
    assert response.status_code == 200, response.text
    [group] = response.json()["profiles"]
    [state] = group["descriptors"]
    return str(state["status"])


def test_edit_profile_stale_regenerate_current(
    client: TestClient, video_id: str, home: Path
) -> None:
    body = client.get(f"/v1/videos/{video_id}/cache").json()
    assert set(body) == {"video_id", "path", "profiles"}
    [group] = body["profiles"]
    assert set(group) == GROUP_KEYS and set(group["descriptors"][0]) == DESCRIPTOR_KEYS
    assert group["summary"] == "All descriptors match the 'fast' profile."
    assert group["descriptors"][0]["status"] == "current"

    edit_profiles(home, "[profiles.fast.scenes]\nthreshold = 31\n")
    assert scenes_status(client, video_id) == "stale"
    stale = client.get("/v1/cache", params={"status": "stale"}).json()
    assert [video["video_id"] for video in stale["videos"]] == [video_id]
    assert stale["paused_queues"] == [] and stale["next_cursor"] is None
    assert client.get("/v1/cache", params={"status": "missing"}).json()["videos"] == []

    response = client.post(f"/v1/videos/{video_id}/regenerate", json={})
    assert response.status_code == 202, response.text
    [run] = response.json()["runs"]
    assert (run["descriptor"], run["profile"], run["reason"]) == ("scenes", "fast", "stale")
    assert scenes_status(client, video_id) == "current"
    again = client.post(f"/v1/videos/{video_id}/regenerate", json={"only": ["stale"]})
    assert again.json()["runs"] == []

    [latest, first] = client.get(f"/v1/videos/{video_id}/history").json()["history"]
    assert (latest["action"], latest["reason"], latest["status"]) == (
        "manual_regenerate", "stale", "success"
    )  # fmt: skip
    assert first["action"] == "auto_regenerate" and latest["descriptors"] == ["scenes"]

    metrics = client.get("/metrics").text
    assert "eioku_regeneration_triggered_total 1.0" in metrics
    assert "eioku_regeneration_failed_total 0.0" in metrics
    assert "eioku_diagnostics_opened_total 5.0" in metrics


def test_dismiss_only_extraneous_and_errors(
    client: TestClient, video_id: str, db: Database, home: Path
) -> None:
    current = client.post(
        f"/v1/videos/{video_id}/cache/dismiss", json={"descriptor": "scenes", "profile": "fast"}
    )
    assert_error(current, 409, "not_extraneous", "descriptor")
    with db.transaction() as session:
        IntentRepository(session).declare(video_id, "fast", ["ocr"], "api")
    dismissed = client.post(
        f"/v1/videos/{video_id}/cache/dismiss", json={"descriptor": "scenes", "profile": "fast"}
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["dismissed_runs"] == 1
    [group] = client.get(f"/v1/videos/{video_id}/cache").json()["profiles"]
    assert (group["missing"], group["extraneous"]) == (["ocr"], [])
    assert client.get(f"/v1/videos/{video_id}/history").json()["history"][0]["action"] == (
        "dismissed"
    )

    assert_error(client.get("/v1/cache", params={"status": "old"}), 422, "invalid_parameter")
    assert_error(client.get("/v1/videos/nope/cache"), 404, "video_not_found", "video_id")
    assert_error(
        client.post("/v1/videos/nope/regenerate", json={}), 404, "video_not_found", "video_id"
    )
    bad = client.post(f"/v1/videos/{video_id}/regenerate", json={"profile": "nope"})
    assert_error(bad, 422, "invalid_parameter", "profile")

    with db.transaction() as session:
        IntentRepository(session).declare(video_id, "meeting", ["scenes"], "api")
    blocked = client.post(f"/v1/videos/{video_id}/regenerate", json={})
    assert_error(blocked, 409, "intent_blocked", "profile")
    assert "profile 'meeting' no longer exists" in blocked.json()["error"]["message"]
    edit_profiles(home, "[profiles.meeting.scenes]\nthreshold = 20\n")
    assert (
        client.post(f"/v1/videos/{video_id}/regenerate", json={"profile": "meeting"}).json()[
            "runs"
        ][0]["reason"]
        == "missing"
    )
