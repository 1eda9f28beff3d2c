"""The HTTP API on SQLite and PostgreSQL through a real HTTP client: videos, runs,
profiles, selection policies, artifact pages, errors, health and metrics."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from tests.support.api import Seeded, add_run, api_client, detection, seed_video
from tests.support.factories import make_run


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed_video(db)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(db, tmp_path / "home") as client:
        yield client


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field


def artifact_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [artifact["artifact_id"] for artifact in response.json()["artifacts"]]


# -- videos and runs -------------------------------------------------------------------


def test_videos_list_and_detail(client: TestClient, seeded: Seeded) -> None:
    listed = client.get("/v1/videos")
    assert listed.status_code == 200
    assert [video["video_id"] for video in listed.json()["videos"]] == [seeded.video_id]
    detail = client.get(f"/v1/videos/{seeded.video_id}")
    assert detail.status_code == 200
    assert detail.json()["duration_ms"] == 12_000
    assert detail.json() == listed.json()["videos"][0]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/videos/{missing}",
        "/v1/videos/{missing}/artifacts",
        "/v1/videos/{missing}/jump?kind=scene",
        "/v1/videos/{missing}/find?q=budget",
        "/v1/videos/{missing}/find?q=budget&profile=fast",
        "/v1/videos/{missing}/jump?kind=scene&run_id=nosuchrun",
        "/v1/videos/{missing}/runs",
        "/v1/videos/{missing}/profiles",
        "/v1/videos/{missing}/frames/0.jpg",
    ],
)
def test_unknown_video_is_404_in_the_error_shape(
    client: TestClient, seeded: Seeded, path: str
) -> None:
    response = client.get(path.format(missing="0123456789abcdef"))
    assert_error(response, 404, "video_not_found", "video_id")


def test_unknown_ids_with_odd_characters_are_404_not_errors(client: TestClient) -> None:
    for odd in ["%00", "x%00y", "a" * 300, "%27%3B%20drop%20table%20runs%3B--"]:
        assert_error(client.get(f"/v1/videos/{odd}"), 404, "video_not_found")
        assert_error(client.get(f"/v1/runs/{odd}"), 404, "run_not_found", "run_id")
        for read in ("find?q=budget", "jump?kind=scene", "find?q=budget&run_id=r"):
            path = f"/v1/videos/{odd}/{read}"
            assert_error(client.get(path), 404, "video_not_found", "video_id")


def test_runs_of_a_video_and_one_run(client: TestClient, seeded: Seeded, db: Database) -> None:
    with db.transaction() as session:
        failed = make_run(
            session, seeded.video_id, status=RunStatus.FAILED, error_code="boom"
        ).run_id
    runs = client.get(f"/v1/videos/{seeded.video_id}/runs").json()["runs"]
    assert {run["run_id"] for run in runs} == {*seeded.runs.values(), failed}
    only_failed = client.get(f"/v1/videos/{seeded.video_id}/runs", params={"status": "failed"})
    assert [run["run_id"] for run in only_failed.json()["runs"]] == [failed]
    one = client.get(f"/v1/runs/{failed}")
    assert one.status_code == 200
    assert (one.json()["status"], one.json()["error_code"]) == ("failed", "boom")
    assert_error(
        client.get(f"/v1/videos/{seeded.video_id}/runs", params={"status": "nope"}),
        422,
        "invalid_parameter",
        "status",
    )


# -- profiles and selection ---------------------------------------------------------------


def test_profiles_show_succeeded_runs_and_the_selected_one(
    client: TestClient, seeded: Seeded
) -> None:
    response = client.get(
        f"/v1/videos/{seeded.video_id}/profiles", params={"artifact_type": "scene"}
    )
    assert response.status_code == 200, response.text
    [scenes] = response.json()["artifact_types"]
    assert scenes["policy"] == {"mode": "best_quality", "profile": None, "run_id": None}
    assert scenes["selected_run_id"] == seeded.runs["scene/high_quality"]
    profiles = {profile["profile"]: profile for profile in scenes["profiles"]}
    assert set(profiles) == {"fast", "high_quality"}
    assert profiles["high_quality"]["selected"] and not profiles["fast"]["selected"]
    assert profiles["fast"]["latest_run_id"] == seeded.runs["scene/fast"]

    every = client.get(f"/v1/videos/{seeded.video_id}/profiles").json()["artifact_types"]
    assert {entry["artifact_type"] for entry in every} == {key.split("/")[0] for key in seeded.runs}
    assert_error(
        client.get(f"/v1/videos/{seeded.video_id}/profiles", params={"artifact_type": "nope"}),
        422,
        "invalid_parameter",
        "artifact_type",
    )


def test_selection_put_is_honoured_by_artifacts_jump_and_profiles(
    client: TestClient, seeded: Seeded
) -> None:
    video = seeded.video_id
    scenes = f"/v1/videos/{video}/artifacts"
    assert (
        artifact_ids(client.get(scenes, params={"type": "scene"}))
        == seeded.artifacts["scene/high_quality"]
    )
    jumped = client.get(f"/v1/videos/{video}/jump", params={"kind": "scene", "from_ms": 0})
    assert jumped.json()["jump_to"] == {"start_ms": 5000, "end_ms": 9000}

    put = client.put(
        f"/v1/videos/{video}/selection/scene", json={"mode": "profile", "profile": "fast"}
    )
    assert put.status_code == 200, put.text
    assert put.json()["selected_run_id"] == seeded.runs["scene/fast"]
    assert put.json()["policy"] == {"mode": "profile", "profile": "fast", "run_id": None}

    assert (
        artifact_ids(client.get(scenes, params={"type": "scene"})) == seeded.artifacts["scene/fast"]
    )
    jumped = client.get(f"/v1/videos/{video}/jump", params={"kind": "scene", "from_ms": 0})
    assert jumped.json()["jump_to"] == {"start_ms": 2000, "end_ms": 4000}
    [entry] = client.get(f"/v1/videos/{video}/profiles", params={"artifact_type": "scene"}).json()[
        "artifact_types"
    ]
    assert entry["selected_run_id"] == seeded.runs["scene/fast"]

    pinned = {"mode": "pinned", "run_id": seeded.runs["scene/high_quality"]}
    assert client.put(f"/v1/videos/{video}/selection/scene", json=pinned).status_code == 200
    assert (
        artifact_ids(client.get(scenes, params={"type": "scene"}))
        == seeded.artifacts["scene/high_quality"]
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "pinned"}, "run_id"),
        ({"mode": "profile"}, "profile"),
        ({"mode": "latest", "run_id": "abc"}, "run_id"),
        ({"mode": "latest", "profile": "fast"}, "profile"),
        ({"mode": "pinned", "run_id": "0" * 32}, "run_id"),
        ({"mode": "sometimes"}, "mode"),
        ({}, "mode"),
        ({"mode": "latest", "extra": 1}, "extra"),
    ],
)
def test_invalid_selection_is_422_naming_the_field(
    client: TestClient, seeded: Seeded, body: dict[str, Any], field: str
) -> None:
    response = client.put(f"/v1/videos/{seeded.video_id}/selection/scene", json=body)
    assert_error(response, 422, "invalid_parameter", field)


def test_selection_rejects_runs_of_other_types_and_unknown_types(
    client: TestClient, seeded: Seeded
) -> None:
    url = f"/v1/videos/{seeded.video_id}/selection"
    other_type = {"mode": "pinned", "run_id": seeded.runs["transcript.segment/fast"]}
    assert_error(client.put(f"{url}/scene", json=other_type), 422, "invalid_parameter", "run_id")
    assert_error(
        client.put(f"{url}/no.such.type", json={"mode": "latest"}),
        422,
        "invalid_parameter",
        "artifact_type",
    )
    not_json = client.put(
        f"{url}/scene", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(not_json, 422, "invalid_parameter")


# -- artifacts --------------------------------------------------------------------------


def test_artifacts_filters_and_query_selection(client: TestClient, seeded: Seeded) -> None:
    url = f"/v1/videos/{seeded.video_id}/artifacts"
    fast = seeded.artifacts["scene/fast"]
    assert artifact_ids(client.get(url, params={"type": "scene", "profile": "fast"})) == fast
    assert (
        artifact_ids(
            client.get(url, params={"type": "scene", "selection": "profile", "profile": "fast"})
        )
        == fast
    )
    assert (
        artifact_ids(client.get(url, params={"type": "scene", "selection": "latest"}))
        == (seeded.artifacts["scene/high_quality"])
    )
    by_run = client.get(url, params={"run_id": seeded.runs["scene/fast"]})
    assert artifact_ids(by_run) == fast
    window = client.get(
        url, params={"type": "scene", "profile": "fast", "from_ms": 2000, "to_ms": 6000}
    )
    assert artifact_ids(window) == fast[1:4]
    everything = client.get(url, params={"limit": 1000}).json()["artifacts"]
    starts = [(a["span_start_ms"], a["artifact_id"]) for a in everything]
    assert starts == sorted(starts)
    assert {a["artifact_type"] for a in everything} == {key.split("/")[0] for key in seeded.runs}
    assert not any(a["run_id"] == seeded.runs["scene/fast"] for a in everything)


@pytest.mark.parametrize(
    ("window", "starting", "overlapping"),
    [
        ({"from_ms": 2500, "to_ms": 3000}, [], [0]),
        ({"from_ms": 5500, "to_ms": 9500}, [2], [1, 2]),
        ({"from_ms": 5000, "to_ms": 5000}, [1], [0, 1]),  # both ends are included
        ({"from_ms": 9500}, [], [2]),
        ({"to_ms": 4000}, [0], [0]),
    ],
)
def test_artifacts_starting_in_or_overlapping_a_window(
    client: TestClient,
    seeded: Seeded,
    window: dict[str, int],
    starting: list[int],
    overlapping: list[int],
) -> None:
    url = f"/v1/videos/{seeded.video_id}/artifacts"
    scenes = seeded.artifacts["scene/high_quality"]  # 0-5000, 5000-9000, 9000-12000
    by_start = client.get(url, params={"type": "scene", **window})
    assert artifact_ids(by_start) == [scenes[i] for i in starting]
    by_overlap = client.get(url, params={"type": "scene", "overlap": "true", **window})
    assert artifact_ids(by_overlap) == [scenes[i] for i in overlapping]


def test_one_artifact_by_id_whichever_run_it_belongs_to(client: TestClient, seeded: Seeded) -> None:
    url = f"/v1/videos/{seeded.video_id}/artifacts"
    listed = client.get(url, params={"run_id": seeded.runs["scene/fast"]}).json()["artifacts"]
    one = client.get(f"/v1/artifacts/{listed[2]['artifact_id']}")
    assert one.status_code == 200, one.text
    assert one.json() == listed[2]  # a run the default policy does not select


@pytest.mark.parametrize(
    "artifact_id",
    ["0123456789abcdef", "%00", "x%00y", "a" * 300, "%27%3B%20drop%20table%20artifacts%3B--"],
    ids=["unknown", "nul", "inner-nul", "long", "sql"],
)
def test_an_unknown_artifact_id_is_404_in_the_error_shape(
    client: TestClient, seeded: Seeded, artifact_id: str
) -> None:
    response = client.get(f"/v1/artifacts/{artifact_id}")
    assert_error(response, 404, "artifact_not_found", "artifact_id")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"overlap": "maybe"}, "overlap"),
        ({"selection": "profile"}, "profile"),
        ({"selection": "pinned"}, "run_id"),
        ({"selection": "latest", "profile": "fast"}, "profile"),
        ({"profile": "fast", "run_id": "abc"}, "run_id"),
        ({"selection": "best"}, "selection"),
        ({"limit": 0}, "limit"),
        ({"limit": 100_000}, "limit"),
        ({"from_ms": -1}, "from_ms"),
        ({"to_ms": 2**70}, "to_ms"),
        ({"from_ms": "soon"}, "from_ms"),
        ({"type": "nope"}, "type"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WzEsMl0"}, "cursor"),  # [1,2]: well-formed JSON, wrong types
    ],
)
def test_bad_artifact_parameters_are_422(
    client: TestClient, seeded: Seeded, params: dict[str, Any], field: str
) -> None:
    response = client.get(f"/v1/videos/{seeded.video_id}/artifacts", params=params)
    assert_error(response, 422, "invalid_parameter", field)


def walk_pages(client: TestClient, url: str, params: dict[str, Any], limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(1000):
        page = client.get(
            url, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["artifacts"]) <= limit
        ids += [artifact["artifact_id"] for artifact in body["artifacts"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
        assert len(body["artifacts"]) == limit
    raise AssertionError("pagination did not end")


def test_keyset_pages_walk_to_the_unpaginated_list(
    client: TestClient, seeded: Seeded, db: Database
) -> None:
    # many artifacts sharing start times, so the artifact id has to break ties
    add_run(
        db,
        seeded,
        "objects",
        [detection(100 * (i % 9), "cat") for i in range(40)],
        profile="high_quality",
        finished_minutes=5,
    )
    url = f"/v1/videos/{seeded.video_id}/artifacts"
    windows: list[dict[str, Any]] = [
        {},
        {"type": "object.detection"},
        {"from_ms": 300, "to_ms": 6000},
        {"from_ms": 300, "to_ms": 6000, "overlap": "true"},
    ]
    for params in windows:
        everything = artifact_ids(client.get(url, params={**params, "limit": 1000}))
        assert len(everything) > 10
        for limit in (1, 7, len(everything)):
            assert walk_pages(client, url, params, limit) == everything


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(limit=st.integers(1, 12), starts=st.lists(st.integers(0, 20), min_size=1, max_size=25))
def test_pages_equal_the_whole_list_for_random_data(
    client: TestClient, db: Database, limit: int, starts: list[int]
) -> None:
    seeded = seed_video(db)
    add_run(db, seeded, "objects", [detection(s * 50, "x") for s in starts], finished_minutes=9)
    url = f"/v1/videos/{seeded.video_id}/artifacts"
    params = {"type": "object.detection"}
    everything = artifact_ids(client.get(url, params={**params, "limit": 1000}))
    assert len(everything) == len(starts)
    assert walk_pages(client, url, params, limit) == everything


# -- errors, health, metrics, OpenAPI -------------------------------------------------------


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    wrong_method = client.delete("/v1/videos")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert "GET" in wrong_method.headers["allow"]


def test_healthz(client: TestClient, db: Database) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": db.dialect}


def test_metrics_expose_runs_by_status_and_latency_by_route(
    client: TestClient, seeded: Seeded, db: Database
) -> None:
    with db.transaction() as session:
        make_run(session, seeded.video_id, status=RunStatus.QUEUED)
    client.get(f"/v1/videos/{seeded.video_id}")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert f'eioku_runs{{status="succeeded"}} {float(len(seeded.runs))}' in text
    assert 'eioku_runs{status="queued"} 1.0' in text
    assert 'eioku_runs{status="failed"} 0.0' in text
    assert (
        'eioku_api_request_duration_seconds_count{method="GET",route="/v1/videos/{video_id}"} 1.0'
        in text
    )
    assert "eioku_queue_depth" not in text  # no broker configured


def test_openapi_documents_every_endpoint_with_the_error_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {
        "/v1/videos",
        "/v1/videos/{video_id}",
        "/v1/videos/{video_id}/artifacts",
        "/v1/videos/{video_id}/jump",
        "/v1/videos/{video_id}/find",
        "/v1/jump/global",
        "/v1/videos/{video_id}/profiles",
        "/v1/videos/{video_id}/runs",
        "/v1/runs/{run_id}",
        "/v1/artifacts/{artifact_id}",
        "/v1/videos/{video_id}/selection/{artifact_type}",
        "/v1/videos/{video_id}/frames/{frame_index}.jpg",
        "/healthz",
        "/metrics",
    } <= set(paths)
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    artifacts = paths["/v1/videos/{video_id}/artifacts"]["get"]["responses"]
    assert artifacts["422"]["content"]["application/json"]["schema"] == error_ref
    assert artifacts["404"]["content"]["application/json"]["schema"] == error_ref
    assert "HTTPValidationError" not in spec["components"]["schemas"]
