"""The request path (docs/ARCHITECTURE.md, "Request path"): a read that uses the database
is one hand-off to the thread pool, and a write is committed before its answer."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from pipeline.db.engine import Database
from pipeline.db.repositories import SelectionPolicyManager
from tests.support.api import Seeded, api_client, seed_video

READS = [
    "/v1/videos/{video}/jump?kind=scene",
    "/v1/videos/{video}/find?q=budget",
    "/v1/videos/{video}/artifacts?type=scene",
    "/v1/videos/{video}/artifacts?run_id={run}",
    "/v1/videos/{video}",
    "/v1/videos/{video}/runs",
    "/v1/videos/{video}/profiles",
    "/v1/runs/{run}",
    "/v1/jump/global?kind=scene",
    "/healthz",
]


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed_video(db)


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(db, tmp_path / "home") as client:
        yield client


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function run in the thread pool (FastAPI and Starlette call
    anyio.to_thread.run_sync for every one)."""
    names: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        names.append(getattr(function, "__name__", repr(function)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return names


@pytest.mark.parametrize("path", READS)
def test_a_read_is_one_hand_off_to_the_thread_pool(
    client: TestClient, seeded: Seeded, hand_offs: list[str], path: str
) -> None:
    url = path.format(video=seeded.video_id, run=seeded.runs["scene/high_quality"])
    for _ in range(2):  # the first request also checks the schema, in the same hand-off
        hand_offs.clear()
        response = client.get(url)
        assert response.status_code == 200, response.text
        assert len(hand_offs) == 1, hand_offs


def test_a_write_is_committed_before_its_answer(
    client: TestClient, seeded: Seeded, db: Database
) -> None:
    pinned = seeded.runs["scene/fast"]
    response = client.put(
        f"/v1/videos/{seeded.video_id}/selection/scene", json={"mode": "pinned", "run_id": pinned}
    )
    assert response.status_code == 200, response.text
    with db.sessions() as session:  # another connection sees it as soon as the answer is in
        policy = SelectionPolicyManager(session).get_policy(seeded.video_id, "scene")
    assert policy.pinned_run_id == pinned
