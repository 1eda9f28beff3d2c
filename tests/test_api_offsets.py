"""GET /v1/videos/{id}/offsets and /frame?offset=&irap_offset=, against /frames/{n}.jpg
and the index built from the file, on an MP4 with B-frames and a raw H.265 stream."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.coordinator.registration import register_video
from pipeline.db.engine import Database
from pipeline.media.frame_index_store import offsets_path
from pipeline.media.offsets import index_file
from tests.support.api import api_client
from tests.support.offsets_media import MP4, RAW_H265, ClipKind, write_clip
from tests.test_api import assert_error

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[MP4, RAW_H265], ids=["mp4", "h265"])
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    kind: ClipKind = request.param
    return write_clip(tmp_path_factory.mktemp("api-offsets") / f"clip{kind.suffix}", kind)


@pytest.fixture
def client(db: Database, tmp_path: Path, sample: Path) -> Iterator[TestClient]:
    roots = (sample.parent.resolve(), tmp_path.resolve())
    with api_client(db, tmp_path / "home", allowed_roots=roots) as client:
        yield client


def _register(db: Database, path: Path) -> str:
    with db.transaction() as session:
        return register_video(session, str(path)).video.video_id


def test_offsets_are_the_persisted_index_in_the_flat_format(
    db: Database, client: TestClient, sample: Path, tmp_path: Path
) -> None:
    video_id = _register(db, sample)
    response = client.get(f"/v1/videos/{video_id}/offsets")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert list(document) == ["video_url", "frames"]
    assert document["video_url"] == f"fs://{sample.resolve()}"
    scan = index_file(sample).scan
    assert [frame["offset"] for frame in document["frames"]] == scan.source.offsets.tolist()
    assert [frame["irap_offset"] for frame in document["frames"]] == scan.irap_offsets.tolist()
    assert all(list(frame) == ["offset", "irap_offset"] for frame in document["frames"])

    stored = offsets_path(tmp_path / "home", video_id)
    written = stored.stat().st_mtime_ns
    assert client.get(f"/v1/videos/{video_id}/offsets").content == response.content
    assert stored.stat().st_mtime_ns == written  # read, not rebuilt


def test_a_frame_by_offsets_is_the_same_image_as_by_number(
    db: Database, client: TestClient, sample: Path
) -> None:
    video_id = _register(db, sample)
    table = index_file(sample)
    for frame_index in (0, 1, 13, 30, table.frame_count - 1):
        packet = int(table.presentation[frame_index])
        offset = int(table.source.offsets[packet])
        irap = int(table.scan.irap_offsets[packet])
        by_offset = client.get(
            f"/v1/videos/{video_id}/frame", params={"offset": offset, "irap_offset": irap}
        )
        by_number = client.get(f"/v1/videos/{video_id}/frames/{frame_index}.jpg")
        assert by_offset.status_code == by_number.status_code == 200, by_offset.text
        assert by_offset.headers["content-type"] == "image/jpeg"
        assert by_offset.content == by_number.content


def test_pairs_that_are_not_entries_of_the_index_are_422(
    db: Database, client: TestClient, sample: Path
) -> None:
    video_id = _register(db, sample)
    table = index_file(sample)
    second_gop = int(table.source.offsets[13])
    url = f"/v1/videos/{video_id}/frame"

    def frame(**params: object) -> object:
        return client.get(url, params=params)

    assert_error(frame(offset=second_gop, irap_offset=second_gop), 422, "not_an_index_entry")
    assert_error(frame(offset=second_gop + 1, irap_offset=0), 422, "not_an_index_entry")
    assert_error(frame(offset=-1, irap_offset=0), 422, "invalid_parameter", "offset")
    assert_error(frame(offset=0), 422, "invalid_parameter", "irap_offset")
    assert_error(frame(offset="x", irap_offset=0), 422, "invalid_parameter", "offset")
    assert_error(frame(offset=2**63, irap_offset=0), 422, "invalid_parameter", "offset")
    missing = client.get("/v1/videos/nope/frame", params={"offset": 0, "irap_offset": 0})
    assert_error(missing, 404, "video_not_found")
    assert_error(client.get("/v1/videos/nope/offsets"), 404, "video_not_found")


def test_a_changed_or_missing_file_is_409_or_404(
    db: Database, client: TestClient, sample: Path, tmp_path: Path
) -> None:
    copy = tmp_path / f"copy{sample.suffix}"
    copy.write_bytes(sample.read_bytes())
    video_id = _register(db, copy)
    os.utime(copy, ns=(0, 0))
    assert_error(client.get(f"/v1/videos/{video_id}/offsets"), 409, "input_changed")
    copy.unlink()
    assert_error(client.get(f"/v1/videos/{video_id}/offsets"), 404, "video_file_unavailable")
    params = {"offset": 0, "irap_offset": 0}
    assert_error(
        client.get(f"/v1/videos/{video_id}/frame", params=params), 404, "video_file_unavailable"
    )


def test_the_openapi_document_describes_both_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    offsets = paths["/v1/videos/{video_id}/offsets"]["get"]["responses"]["200"]
    schema = json.dumps(offsets["content"]["application/json"]["schema"])
    assert "FrameOffsets" in schema
    parameters = paths["/v1/videos/{video_id}/frame"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {"video_id", "offset", "irap_offset"}
