"""The endpoints the web app needs besides navigation: the video file with range requests
(through the token and allowed-root checks), every run, cancelling one, and the pages
themselves (open: they hold no data)."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.api.routers.media import media_type_of
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from tests.support.api import api_client
from tests.support.factories import make_run, make_video
from tests.test_api import assert_error

TOKEN = "media-token-1"


def test_the_file_is_served_whole_and_by_byte_range(
    db: Database, tmp_path: Path, clip: Path
) -> None:
    data = clip.read_bytes()
    with api_client(db, tmp_path / "home", allowed_roots=(clip.parent,)) as client:
        video_id = client.post("/v1/videos", json={"path": str(clip)}).json()["video_id"]
        media = f"/v1/videos/{video_id}/media"
        whole = client.get(media)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["content-type"] == "video/mp4"
        assert whole.headers["accept-ranges"] == "bytes"
        part = client.get(media, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        tail = client.get(media, headers={"Range": "bytes=-50"})
        assert tail.status_code == 206 and tail.content == data[-50:]
        past = client.get(media, headers={"Range": f"bytes={len(data)}-"})
        assert_error(past, 416, "range_not_satisfiable", "range")
        assert past.headers["content-range"] == f"bytes */{len(data)}"
        assert_error(client.get(media, headers={"Range": "pages=1-2"}), 422, "invalid_parameter")
        assert_error(client.get("/v1/videos/nope/media"), 404, "video_not_found")


def test_media_needs_the_token_which_reads_may_carry_in_the_cookie(
    db: Database, tmp_path: Path, clip: Path
) -> None:
    settings = {"allowed_roots": (clip.parent,), "api_tokens": (TOKEN,)}
    with api_client(db, tmp_path / "home", **settings) as client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        video_id = client.post("/v1/videos", json={"path": str(clip)}, headers=auth).json()[
            "video_id"
        ]
        media = f"/v1/videos/{video_id}/media"
        assert_error(client.get(media), 401, "unauthorized")
        assert client.get(media, headers={"Range": "bytes=0-9", **auth}).status_code == 206
        client.cookies.set("eioku_token", TOKEN)
        assert client.get(media, headers={"Range": "bytes=0-9"}).status_code == 206
        # a cookie never authorizes a write: another site could make the browser send it
        refused = client.post("/v1/videos", json={"path": str(clip)})
        assert_error(refused, 401, "unauthorized")
        client.cookies.set("eioku_token", "wrong")
        assert_error(client.get(media), 401, "unauthorized")
        # the pages and their assets hold no data and stay open
        for page in ("/", "/runs", "/diagnostics", f"/videos/{video_id}"):
            shell = client.get(page)
            assert shell.status_code == 200 and '<main id="page"' in shell.text
        assert client.get("/app/js/main.js").headers["content-type"].startswith("text/javascript")


def test_a_file_outside_the_roots_or_changed_is_not_streamed(
    db: Database, tmp_path: Path, clip: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with api_client(db, tmp_path / "home", allowed_roots=(clip.parent,)) as client:
        video_id = client.post("/v1/videos", json={"path": str(clip)}).json()["video_id"]
    with api_client(db, tmp_path / "home", allowed_roots=(elsewhere,)) as client:
        assert_error(client.get(f"/v1/videos/{video_id}/media"), 403, "path_not_allowed")
    with clip.open("ab") as handle:
        handle.write(b"more")
    with api_client(db, tmp_path / "home", allowed_roots=(clip.parent,)) as client:
        assert_error(client.get(f"/v1/videos/{video_id}/media"), 409, "input_changed")


@given(st.sampled_from(["a.mp4", "b.MKV", "c.webm", "d.mov", "e.m4a", "f.unknownext", "noext"]))
def test_every_file_gets_a_media_type(name: str) -> None:
    media_type = media_type_of(f"/videos/{name}")
    assert "/" in media_type
    if name.lower().endswith((".mp4", ".mkv", ".webm", ".mov")):
        assert media_type.startswith("video/")


def test_every_run_listed_and_an_active_one_cancelled(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        first = make_video(session).video_id
        second = make_video(session).video_id
        queued = make_run(session, first).run_id
        done = make_run(session, second, status=RunStatus.SUCCEEDED).run_id
    with api_client(db, tmp_path / "home") as client:
        runs = client.get("/v1/runs").json()["runs"]
        assert {run["run_id"] for run in runs} == {queued, done}
        only = client.get("/v1/runs", params={"status": "succeeded"}).json()["runs"]
        assert [run["run_id"] for run in only] == [done]
        cancelled = client.post(f"/v1/runs/{queued}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert client.get(f"/v1/runs/{queued}").json()["status"] == "cancelled"
        assert_error(client.post(f"/v1/runs/{done}/cancel"), 409, "run_finished", "run_id")
        assert_error(client.post("/v1/runs/nope/cancel"), 404, "run_not_found", "run_id")
        assert_error(client.get("/v1/runs", params={"limit": 0}), 422, "invalid_parameter")
