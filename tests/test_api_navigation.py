"""Jump, find and global jump through the HTTP API on SQLite and PostgreSQL, including
hostile search strings."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pipeline.db.engine import Database
from tests.support.api import Seeded, add_run, api_client, seed_video, segment
from tests.test_api import assert_error


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed_video(db)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(db, tmp_path / "home") as client:
        yield client


def jump(client: TestClient, video_id: str, **params: Any) -> Any:
    return client.get(f"/v1/videos/{video_id}/jump", params=params)


def test_jump_next_and_prev_are_strict_and_list_every_artifact_at_the_instant(
    client: TestClient, seeded: Seeded
) -> None:
    objects = seeded.artifacts["object.detection/fast"]
    first = jump(client, seeded.video_id, kind="object", label="person")
    assert first.status_code == 200, first.text
    assert first.json() == {
        "video_id": seeded.video_id,
        "jump_to": {"start_ms": 500, "end_ms": 500},
        "artifact_ids": [objects[0]],
        "run_id": seeded.runs["object.detection/fast"],
        "model_id": "yolov8n-untrained@" + "0" * 16,
        "stale": False,  # the seeded runs have no revision
    }
    again = jump(client, seeded.video_id, kind="object", label="person", from_ms=500)
    assert again.json()["jump_to"]["start_ms"] == 1500
    assert again.json()["artifact_ids"] == sorted(objects[1:3])
    assert_error(
        jump(client, seeded.video_id, kind="object", label="person", from_ms=1500),
        404,
        "no_match",
    )
    back = jump(client, seeded.video_id, kind="object", direction="prev", from_ms=2500)
    assert back.json()["jump_to"]["start_ms"] == 1500
    last = jump(client, seeded.video_id, kind="object", direction="prev")
    assert last.json()["jump_to"]["start_ms"] == 7000


def test_jump_filters(client: TestClient, seeded: Seeded) -> None:
    video = seeded.video_id
    dog = jump(client, video, kind="object", label="dog", min_confidence=0.5, from_ms=0)
    assert dog.json()["jump_to"]["start_ms"] == 2500
    assert_error(
        jump(client, video, kind="object", label="dog", min_confidence=0.5, from_ms=2500),
        404,
        "no_match",
    )
    person_one = jump(client, video, kind="face", face_cluster_id=1)
    assert person_one.json()["jump_to"]["start_ms"] == 4000
    street = jump(client, video, kind="place", label="street")
    assert street.json()["jump_to"]["start_ms"] == 6000
    words = jump(client, video, kind="transcript", from_ms=1000)
    assert words.json()["jump_to"] == {"start_ms": 5000, "end_ms": 6500}
    text = jump(client, video, kind="ocr")
    assert text.json()["artifact_ids"] == seeded.artifacts["ocr.text/fast"][:1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "scene", "label": "person"}, "label"),
        ({"kind": "object", "face_cluster_id": 1}, "face_cluster_id"),
        ({"kind": "scene", "min_confidence": 0.5}, "min_confidence"),
        ({"kind": "dragons"}, "kind"),
        ({}, "kind"),
        ({"kind": "scene", "direction": "sideways"}, "direction"),
        ({"kind": "object", "min_confidence": 2}, "min_confidence"),
        ({"kind": "scene", "from_ms": -5}, "from_ms"),
        ({"kind": "object", "label": "a\x00b"}, "label"),
        ({"kind": "scene", "selection": "pinned"}, "run_id"),
    ],
)
def test_bad_jump_parameters_are_422(
    client: TestClient, seeded: Seeded, params: dict[str, Any], field: str
) -> None:
    assert_error(jump(client, seeded.video_id, **params), 422, "invalid_parameter", field)


def test_find_merges_sources_in_time_order_with_highlighted_snippets(
    client: TestClient, seeded: Seeded
) -> None:
    url = f"/v1/videos/{seeded.video_id}/find"
    response = client.get(url, params={"q": "budget"})
    assert response.status_code == 200, response.text
    matches = response.json()["matches"]
    assert [(m["source"], m["jump_to"]["start_ms"]) for m in matches] == [
        ("transcript", 1000),
        ("ocr", 3000),
        ("transcript", 5000),
    ]
    assert all("<mark>" in m["snippet"] and "</mark>" in m["snippet"] for m in matches)
    assert matches[1]["text"] == "BUDGET 2024"

    previous = client.get(url, params={"q": "budget", "direction": "prev", "from_ms": 5000})
    assert [m["jump_to"]["start_ms"] for m in previous.json()["matches"]] == [3000, 1000]
    only_ocr = client.get(url, params={"q": "budget", "source": "ocr"})
    assert [m["source"] for m in only_ocr.json()["matches"]] == ["ocr"]
    after = client.get(url, params={"q": "budget", "from_ms": 1000, "limit": 1})
    assert [m["jump_to"]["start_ms"] for m in after.json()["matches"]] == [3000]
    assert_error(
        client.get(url, params={"q": "budget", "source": "subtitles"}),
        422,
        "invalid_parameter",
        "source",
    )
    assert_error(client.get(url), 422, "invalid_parameter", "q")


def test_find_honours_the_selection_policy(
    client: TestClient, seeded: Seeded, db: Database
) -> None:
    better = add_run(
        db,
        seeded,
        "transcript",
        [segment(2000, 3000, "budget in the better transcript")],
        profile="high_quality",
        finished_minutes=3,
    )
    url = f"/v1/videos/{seeded.video_id}/find"

    def starts(**params: Any) -> list[int]:
        response = client.get(url, params={"q": "budget", "source": "transcript", **params})
        assert response.status_code == 200, response.text
        return [m["jump_to"]["start_ms"] for m in response.json()["matches"]]

    assert starts() == [2000]
    assert starts(profile="fast") == [1000, 5000]
    assert starts(run_id=seeded.runs["transcript.segment/fast"]) == [1000, 5000]
    assert starts(run_id=better) == [2000]
    assert starts(selection="latest") == [2000]
    pinned = {"mode": "pinned", "run_id": seeded.runs["transcript.segment/fast"]}
    stored = client.put(f"/v1/videos/{seeded.video_id}/selection/transcript.segment", json=pinned)
    assert stored.status_code == 200, stored.text
    assert starts() == [1000, 5000]


HOSTILE = [
    '"',
    "'",
    '"budget',
    "budget\"'",
    "& | ! ( ) : *",
    "budget & !meeting",
    "(budget) OR: *",
    "NEAR(budget meeting)",
    "budget*",
    "-budget",
    "'; drop table artifacts; --",
    '" OR 1=1 --',
    "budget\x00meeting",
    "\x00",
    "   ",
    "",
    "预算 会议 🎬",
    "Bücher ÉTÉ straße",
    "\u202e\u200b\ufeff",
    "budget " * 1500,
    "x" * 10_240,
    "%s %d {0} $1 ?",
    "\\",
    "a\nb\tc\r",
]


def test_hostile_search_strings_give_a_list_never_an_error(
    client: TestClient, seeded: Seeded
) -> None:
    for q in HOSTILE:
        for source in ("all", "transcript", "ocr"):
            response = client.get(
                f"/v1/videos/{seeded.video_id}/find", params={"q": q, "source": source}
            )
            assert response.status_code == 200, (q[:40], response.text)
            assert isinstance(response.json()["matches"], list)
        for kind in ("transcript", "ocr"):
            response = client.get("/v1/jump/global", params={"kind": kind, "query": q})
            assert response.status_code == 200, (q[:40], response.text)
            assert isinstance(response.json()["results"], list)
    assert client.get(f"/v1/videos/{seeded.video_id}").status_code == 200  # nothing dropped


def test_hostile_string_still_finds_its_words(client: TestClient, seeded: Seeded) -> None:
    response = client.get(f"/v1/videos/{seeded.video_id}/find", params={"q": '"budget"!'})
    assert response.status_code == 200
    assert len(response.json()["matches"]) >= 1


def test_global_jump_walks_across_videos(client: TestClient, seeded: Seeded, db: Database) -> None:
    other = seed_video(db)
    first, second = sorted([seeded.video_id, other.video_id])
    response = client.get("/v1/jump/global", params={"kind": "object", "label": "dog", "limit": 10})
    assert response.status_code == 200, response.text
    assert [(r["video_id"], r["jump_to"]["start_ms"]) for r in response.json()["results"]] == [
        (first, 2500),
        (first, 7000),
        (second, 2500),
        (second, 7000),
    ]
    onwards = client.get(
        "/v1/jump/global",
        params={
            "kind": "object",
            "label": "dog",
            "from_video_id": first,
            "from_ms": 2500,
            "limit": 2,
        },
    )
    assert [(r["video_id"], r["jump_to"]["start_ms"]) for r in onwards.json()["results"]] == [
        (first, 7000),
        (second, 2500),
    ]
    back = client.get(
        "/v1/jump/global",
        params={"kind": "object", "direction": "prev", "from_video_id": second, "from_ms": 1500},
    )
    first_seeded = {seeded.video_id: seeded, other.video_id: other}[first]
    assert [r["jump_to"]["start_ms"] for r in back.json()["results"]] == [
        500,
        7000,
        2500,
        1500,
        500,
    ]
    assert back.json()["results"][1] == {
        "video_id": first,
        "jump_to": {"start_ms": 7000, "end_ms": 7000},
        "artifact_ids": [first_seeded.artifacts["object.detection/fast"][4]],
        "run_id": first_seeded.runs["object.detection/fast"],
        "model_id": "yolov8n-untrained@" + "0" * 16,
        "stale": False,
        "texts": None,  # no text query
    }
    spoken = client.get("/v1/jump/global", params={"kind": "transcript", "query": "BUDGET"})
    assert {r["video_id"] for r in spoken.json()["results"]} == {first, second}
    assert spoken.json()["results"][0]["texts"] == [
        {
            "artifact_id": spoken.json()["results"][0]["artifact_ids"][0],
            "text": "The budget meeting starts now",
            "snippet": "The <mark>budget</mark> meeting starts now",
        }
    ]
    phrase = client.get("/v1/jump/global", params={"kind": "transcript", "query": '"the budget"'})
    assert [r["texts"][0]["snippet"] for r in phrase.json()["results"]] == [
        "<mark>The budget</mark> meeting starts now",
        "we discuss <mark>the budget</mark> again",
    ] * 2
    assert_error(
        client.get("/v1/jump/global", params={"kind": "scene", "from_video_id": "f" * 16}),
        404,
        "video_not_found",
        "from_video_id",
    )
    assert_error(
        client.get("/v1/jump/global", params={"kind": "scene", "query": "x"}),
        422,
        "invalid_parameter",
        "query",
    )
    assert_error(
        client.get("/v1/jump/global", params={"kind": "scene", "limit": 0}),
        422,
        "invalid_parameter",
        "limit",
    )
