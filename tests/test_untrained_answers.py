"""Issue #27 (4): an untrained test model's results (the `smoke` profile) never answer a
default query, only one that names their profile or run, and every output that shows
them says so; through the CLI and the HTTP API, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.analysis.contract import UNTRAINED_MARK, ModelIdentity
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from schemas.base import BoundingBox, Payload
from schemas.payloads import ObjectDetection, TranscriptSegment
from tests.support.api import api_client
from tests.support.cli import Eioku
from tests.support.factories import make_envelope, make_run, make_video, write_artifacts

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
TRAINED = ModelIdentity("yolo11n.pt", "ab" * 32).model_id
UNTRAINED = ModelIdentity("yolov8n.yaml#seed0", untrained=True).model_id
NOTE = "comes from an untrained test model"


def person(ms: int) -> ObjectDetection:
    box = BoundingBox(x=0, y=0, width=10, height=10)
    return ObjectDetection(
        frame_index=ms // 40, timestamp_ms=ms, label="person", class_id=0, confidence=0.0, bbox=box
    )


def words(ms: int) -> TranscriptSegment:
    return TranscriptSegment(
        start_ms=ms, end_ms=ms + 500, text="hello there", language="en", confidence=0.5
    )


@dataclass(frozen=True)
class Seeded:
    video_id: str
    trained: str  # the fast run of trained models
    smoke: str  # the smoke runs' object run, finished later
    smoke_transcript: str


def add_run(
    db: Database, video_id: str, profile: str, model_id: str, finished: int, payload: Payload
) -> str:
    with db.transaction() as session:
        run = make_run(
            session,
            video_id,
            analyzer=payload.ARTIFACT_TYPE.split(".")[0],
            artifact_type=payload.ARTIFACT_TYPE,
            profile=profile,
            model_id=model_id,
            status=RunStatus.SUCCEEDED,
            finished_at=EPOCH + timedelta(hours=finished),
        )
        envelope = make_envelope(
            payload, asset_id=video_id, run_id=run.run_id, model_profile=profile, model_id=model_id
        )
        write_artifacts(session, [envelope])
        return run.run_id


def new_video(db: Database) -> str:
    with db.transaction() as session:
        return make_video(session).video_id


@pytest.fixture
def seeded(db: Database) -> Seeded:
    video_id = new_video(db)
    trained = add_run(db, video_id, "fast", TRAINED, 1, person(2_000))
    smoke = add_run(db, video_id, "smoke", UNTRAINED, 2, person(1_000))
    smoke_transcript = add_run(db, video_id, "smoke", UNTRAINED, 2, words(1_000))
    return Seeded(video_id, trained, smoke, smoke_transcript)


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    return Eioku(db, tmp_path / "home")


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    with api_client(db, tmp_path / "home") as client:
        yield client


def cli_json(eioku: Eioku, *args: str) -> dict | list:
    result = eioku(*args, "--json")
    assert result.code == 0, result.stderr
    return result.json()  # type: ignore[no-any-return]


def test_the_cli_answers_from_the_trained_run_unless_smoke_is_named(
    eioku: Eioku, seeded: Seeded
) -> None:
    video = seeded.video_id
    answer = cli_json(eioku, "jump", video, "-k", "object", "-l", "person")
    assert (answer["jump_to"]["start_ms"], answer["run_id"]) == (2_000, seeded.trained)
    assert answer["model_id"] == TRAINED
    assert NOTE not in eioku("jump", video, "-k", "object", "-l", "person").stdout
    listed = cli_json(eioku, "artifacts", video, "--type", "object.detection")
    assert {item["run_id"] for item in listed} == {seeded.trained}
    assert cli_json(eioku, "find", video, "hello") == []

    smoke = cli_json(eioku, "jump", video, "-k", "object", "-l", "person", "--profile", "smoke")
    assert (smoke["jump_to"]["start_ms"], smoke["run_id"]) == (1_000, seeded.smoke)
    assert smoke["model_id"].endswith(UNTRAINED_MARK)
    [found] = cli_json(eioku, "find", video, "hello", "--profile", "smoke")
    assert (found["run_id"], found["model_id"]) == (seeded.smoke_transcript, UNTRAINED)


@pytest.mark.parametrize(
    "command",
    [
        ("jump", "{video}", "-k", "object", "--profile", "smoke"),
        ("find", "{video}", "hello", "--profile", "smoke"),
        ("artifacts", "{video}", "--profile", "smoke"),
        ("select", "{video}", "object.detection", "--mode", "profile", "--profile", "smoke"),
    ],
    ids=["jump", "find", "artifacts", "select"],
)
def test_human_output_notes_an_untrained_model(
    eioku: Eioku, seeded: Seeded, command: tuple[str, ...]
) -> None:
    result = eioku(*(part.format(video=seeded.video_id) for part in command))
    assert result.code == 0, result.stderr
    assert f"({UNTRAINED}): its results mean nothing" in result.stdout
    assert NOTE in result.stdout and seeded.trained not in result.stdout


@pytest.mark.parametrize("command", [("status", "{video}"), ("runs", "--video", "{video}")])
def test_run_listings_show_the_model_with_its_mark(
    eioku: Eioku, seeded: Seeded, command: tuple[str, ...]
) -> None:
    result = eioku(*(part.format(video=seeded.video_id) for part in command))
    assert result.code == 0, result.stderr
    assert result.stdout.count(UNTRAINED_MARK.strip()) == 2  # the two smoke runs


def test_a_pinned_untrained_run_answers_and_says_so(eioku: Eioku, seeded: Seeded) -> None:
    video = seeded.video_id
    pinned = eioku("select", video, "object.detection", "--mode", "pinned", "--run", seeded.smoke)
    assert pinned.code == 0, pinned.stderr
    assert NOTE in pinned.stdout
    answer = cli_json(eioku, "jump", video, "-k", "object")
    assert (answer["run_id"], answer["model_id"]) == (seeded.smoke, UNTRAINED)


def test_a_video_with_only_untrained_results_has_no_default_answer(
    db: Database, eioku: Eioku
) -> None:
    video = new_video(db)
    add_run(db, video, "smoke", UNTRAINED, 1, person(1_000))
    result = eioku("jump", video, "-k", "object", "--label", "person")
    assert result.code == 1
    assert result.stderr.strip() == (
        f"error: no object (label=person) after the start in video {video}"
    )
    assert cli_json(eioku, "artifacts", video) == []


def test_the_api_answers_from_the_trained_run_unless_smoke_is_named(
    client: TestClient, seeded: Seeded
) -> None:
    base = f"/v1/videos/{seeded.video_id}"
    answer = client.get(f"{base}/jump", params={"kind": "object", "label": "person"}).json()
    assert (answer["run_id"], answer["model_id"]) == (seeded.trained, TRAINED)
    smoke = {"kind": "object", "label": "person", "profile": "smoke"}
    answer = client.get(f"{base}/jump", params=smoke).json()
    assert (answer["run_id"], answer["model_id"]) == (seeded.smoke, UNTRAINED)
    assert client.get(f"{base}/find", params={"q": "hello"}).json() == {"matches": []}
    [found] = client.get(f"{base}/find", params={"q": "hello", "profile": "smoke"}).json()[
        "matches"
    ]
    assert (found["run_id"], found["model_id"]) == (seeded.smoke_transcript, UNTRAINED)
    listed = client.get(f"{base}/artifacts", params={"run_id": seeded.smoke}).json()
    assert [item["model_id"] for item in listed["artifacts"]] == [UNTRAINED]

    [objects] = client.get(f"{base}/profiles", params={"artifact_type": "object.detection"}).json()[
        "artifact_types"
    ]
    assert (objects["selected_run_id"], objects["selected_model_id"]) == (seeded.trained, TRAINED)
    assert {entry["profile"]: entry["latest_model_id"] for entry in objects["profiles"]} == {
        "fast": TRAINED,
        "smoke": UNTRAINED,
    }
    pinned = client.put(
        f"{base}/selection/object.detection", json={"mode": "pinned", "run_id": seeded.smoke}
    )
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["selected_model_id"] == UNTRAINED
    runs = client.get(f"{base}/runs").json()["runs"]
    assert sorted(run["model_id"] for run in runs) == sorted([TRAINED, UNTRAINED, UNTRAINED])
