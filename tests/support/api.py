"""Helpers of the HTTP API tests: an app against a test database, and a seeded video with
runs and artifacts of every navigable kind (written through the repository, so the
projections exist as in production)."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from pipeline.api import create_app
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from pipeline.settings import Settings
from schemas.base import BoundingBox, Payload, Point
from schemas.payloads import (
    FaceDetection,
    ObjectDetection,
    OcrText,
    PlaceClassification,
    PlacePrediction,
    Scene,
    TranscriptSegment,
)
from tests.support.factories import make_envelope, make_run, make_video, write_artifacts

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
BOX = BoundingBox(x=1, y=2, width=30, height=40)
SQUARE = [Point(x=0, y=0), Point(x=10, y=0), Point(x=10, y=10), Point(x=0, y=10)]


def settings_for(db: Database, home: Path, **overrides: Any) -> Settings:
    return Settings(
        home=home, database_url=db.engine.url.render_as_string(hide_password=False), **overrides
    )


@contextmanager
def api_client(db: Database, home: Path, **overrides: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(db, home, **overrides))
    with TestClient(app) as client:
        yield client


def scene(index: int, start_ms: int, end_ms: int) -> Scene:
    return Scene(
        scene_index=index,
        start_frame=start_ms // 40,
        end_frame=end_ms // 40,
        start_ms=start_ms,
        end_ms=end_ms,
    )


def segment(start_ms: int, end_ms: int, text: str) -> TranscriptSegment:
    return TranscriptSegment(
        start_ms=start_ms, end_ms=end_ms, text=text, language="en", confidence=0.9
    )


def ocr(start_ms: int, end_ms: int, text: str) -> OcrText:
    return OcrText(start_ms=start_ms, end_ms=end_ms, text=text, confidence=0.8, polygon=SQUARE)


def detection(at_ms: int, label: str, confidence: float = 0.8) -> ObjectDetection:
    return ObjectDetection(
        frame_index=at_ms // 40,
        timestamp_ms=at_ms,
        label=label,
        class_id=0 if label == "person" else 16,
        confidence=confidence,
        bbox=BOX,
    )


def face(at_ms: int, cluster_id: int) -> FaceDetection:
    return FaceDetection(
        frame_index=at_ms // 40, timestamp_ms=at_ms, confidence=0.9, bbox=BOX, cluster_id=cluster_id
    )


def place(at_ms: int, label: str) -> PlaceClassification:
    prediction = PlacePrediction(label=label, class_index=3, confidence=0.7)
    return PlaceClassification(
        frame_index=at_ms // 40, timestamp_ms=at_ms, predictions=[prediction]
    )


@dataclass
class Seeded:
    video_id: str
    runs: dict[str, str] = field(default_factory=dict)  # "<type>/<profile>" -> run id
    artifacts: dict[str, list[str]] = field(default_factory=dict)  # same key -> ids


def add_run(
    db: Database,
    seeded: Seeded,
    analyzer: str,
    payloads: Sequence[Payload],
    *,
    profile: str = "fast",
    finished_minutes: int = 0,
    status: RunStatus = RunStatus.SUCCEEDED,
) -> str:
    artifact_type = payloads[0].ARTIFACT_TYPE
    with db.transaction() as session:
        run = make_run(
            session,
            seeded.video_id,
            analyzer=analyzer,
            artifact_type=artifact_type,
            profile=profile,
            status=status,
            finished_at=EPOCH + timedelta(minutes=finished_minutes),
            artifact_count=len(payloads),
        )
        envelopes = [
            make_envelope(p, asset_id=seeded.video_id, run_id=run.run_id, model_profile=profile)
            for p in payloads
        ]
        write_artifacts(session, envelopes)
    key = f"{artifact_type}/{profile}"
    seeded.runs[key] = run.run_id
    seeded.artifacts[key] = [envelope.artifact_id for envelope in envelopes]
    return run.run_id


def seed_video(db: Database, **video_fields: Any) -> Seeded:
    """A 12 s video: scenes in two profiles (high_quality wins by default), a transcript,
    on-screen text, objects, faces and places."""
    with db.transaction() as session:
        seeded = Seeded(make_video(session, duration_ms=12_000, **video_fields).video_id)
    add_run(db, seeded, "scenes", [scene(i, i * 2000, (i + 1) * 2000) for i in range(6)])
    add_run(
        db,
        seeded,
        "scenes",
        [scene(0, 0, 5000), scene(1, 5000, 9000), scene(2, 9000, 12_000)],
        profile="high_quality",
        finished_minutes=1,
    )
    add_run(
        db,
        seeded,
        "transcript",
        [
            segment(1000, 2500, "The budget meeting starts now"),
            segment(5000, 6500, "we discuss the budget again"),
            segment(9000, 9800, "goodbye everyone"),
        ],
    )
    add_run(db, seeded, "ocr", [ocr(3000, 4000, "BUDGET 2024"), ocr(7000, 8000, "Exit")])
    add_run(
        db,
        seeded,
        "objects",
        [
            detection(500, "person"),
            detection(1500, "person"),
            detection(1500, "person", 0.6),
            detection(2500, "dog", 0.9),
            detection(7000, "dog", 0.3),
        ],
    )
    add_run(db, seeded, "faces", [face(1000, 0), face(4000, 1), face(6000, 0)])
    add_run(db, seeded, "places", [place(0, "office"), place(6000, "street")])
    return seeded
