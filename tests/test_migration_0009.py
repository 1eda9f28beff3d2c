"""Migration 0009 on both databases: the per-type projection tables become the generic
``artifact_facets`` and ``artifact_text``, rebuilt from the stored payloads, and the
downgrade restores revision 0008's tables with the same rows."""

from typing import Any

from sqlalchemy import insert, inspect, text

from pipeline.db.engine import Database
from pipeline.db.migrate import current_revision, upgrade
from pipeline.db.models import Artifact
from schemas.base import BoundingBox, Point
from schemas.payloads import (
    FaceDetection,
    FrameKind,
    FrameSelection,
    ObjectDetection,
    OcrText,
    PlaceClassification,
    PlacePrediction,
    Scene,
    TranscriptSegment,
)
from tests.support.factories import make_envelope, make_run, make_video
from tests.test_migration_0003 import downgrade, fresh  # noqa: F401 (fixture)

BOX = BoundingBox(x=1.0, y=2.0, width=3.0, height=4.0)
PAYLOADS = {
    "object": ObjectDetection(
        frame_index=2, timestamp_ms=80, label="dog", class_id=16, confidence=0.75, bbox=BOX
    ),
    "place": PlaceClassification(
        frame_index=0,
        timestamp_ms=0,
        predictions=[
            PlacePrediction(label="office", class_index=244, confidence=0.6),
            PlacePrediction(label="kitchen", class_index=203, confidence=0.3),
        ],
    ),
    "face": FaceDetection(frame_index=3, timestamp_ms=120, confidence=0.9, bbox=BOX, cluster_id=4),
    "lone face": FaceDetection(frame_index=5, timestamp_ms=200, confidence=0.5, bbox=BOX),
    "scene": Scene(start_ms=0, end_ms=4000, scene_index=0, start_frame=0, end_frame=100),
    "segment": TranscriptSegment(
        start_ms=0, end_ms=1500, text="the budget meeting", language="en", confidence=0.8
    ),
    "sign": OcrText(
        start_ms=100,
        end_ms=900,
        text="EXIT only",
        confidence=0.7,
        polygon=[Point(x=0, y=0), Point(x=10, y=0), Point(x=10, y=5)],
    ),
    "frame": FrameSelection(frame_index=3, timestamp_ms=120, kind=FrameKind.BRIGHT, score=0.4),
}
OLD_TABLES = {
    "object_labels",
    "place_labels",
    "face_clusters",
    "scene_ranges",
    "transcript_fts",
    "ocr_fts",
}


def _old_rows(ids: dict[str, str], run_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The projection rows revision 0008's code wrote for PAYLOADS."""
    common = {"asset_id": "v", "run_id": run_id}
    return [
        ("object_labels", {**common, "artifact_id": ids["object"], "start_ms": 80,
                           "label": "dog", "confidence": 0.75}),
        ("place_labels", {**common, "artifact_id": ids["place"], "start_ms": 0,
                          "label": "office", "confidence": 0.6}),
        ("face_clusters", {**common, "artifact_id": ids["face"], "start_ms": 120,
                           "cluster_id": 4}),
        ("face_clusters", {**common, "artifact_id": ids["lone face"], "start_ms": 200,
                           "cluster_id": None}),
        ("scene_ranges", {**common, "artifact_id": ids["scene"], "start_ms": 0,
                          "scene_index": 0, "end_ms": 4000}),
        ("transcript_fts", {**common, "artifact_id": ids["segment"], "start_ms": 0,
                            "end_ms": 1500, "text": "the budget meeting"}),
        ("ocr_fts", {**common, "artifact_id": ids["sign"], "start_ms": 100, "end_ms": 900,
                     "text": "EXIT only"}),
    ]  # fmt: skip


def _insert(connection: Any, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)


def _table(connection: Any, table: str, order: str = "artifact_id") -> list[dict[str, Any]]:
    rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).mappings()
    return [
        {key: value for key, value in row.items() if key != "tsv"}  # PostgreSQL's generated
        for row in rows
    ]


def _stored(db: Database) -> tuple[dict[str, str], str]:
    """Revision 0008 with one artifact of each kind and their projection rows."""
    upgrade(db.engine, "0008")
    with db.sessions() as session, session.begin():
        make_video(session, video_id="v")
        run_id = make_run(session, "v").run_id
        envelopes = {
            key: make_envelope(p, asset_id="v", run_id=run_id) for key, p in PAYLOADS.items()
        }
        rows = [envelope.model_dump() for envelope in envelopes.values()]
        session.execute(insert(Artifact.__table__), rows)
    ids = {key: envelope.artifact_id for key, envelope in envelopes.items()}
    with db.engine.begin() as connection:
        for table, row in _old_rows(ids, run_id):
            _insert(connection, table, row)
    return ids, run_id


def test_0009_rebuilds_the_projections_generically_and_downgrades(fresh: Database) -> None:  # noqa: F811
    ids, run_id = _stored(fresh)
    with fresh.engine.connect() as connection:
        before = {table: _table(connection, table) for table in OLD_TABLES}

    upgrade(fresh.engine, "0009")

    assert current_revision(fresh.engine) == "0009"
    tables = set(inspect(fresh.engine).get_table_names())
    assert {"artifact_facets", "artifact_text"} <= tables
    assert not tables & OLD_TABLES
    common = {"asset_id": "v", "run_id": run_id}
    facet = ("start_ms", "end_ms", "label", "person", "confidence")
    expected_facets = {
        "object": (80, 80, "dog", None, 0.75),
        "place": (0, 0, "office", None, 0.6),
        "face": (120, 120, None, 4, 0.9),
        "lone face": (200, 200, None, None, 0.5),
        "segment": (0, 1500, None, None, 0.8),
        "sign": (100, 900, None, None, 0.7),
    }
    with fresh.engine.connect() as connection:
        facets = {row["artifact_id"]: row for row in _table(connection, "artifact_facets")}
        texts = {row["artifact_id"]: row for row in _table(connection, "artifact_text")}
    assert facets == {
        ids[key]: {"artifact_id": ids[key], **common, **dict(zip(facet, values, strict=True))}
        for key, values in expected_facets.items()
    }
    assert {
        key: (row["text"], int(row["start_ms"]), int(row["end_ms"])) for key, row in texts.items()
    } == {
        ids["segment"]: ("the budget meeting", 0, 1500),
        ids["sign"]: ("EXIT only", 100, 900),
    }

    downgrade(fresh, "0008")

    assert current_revision(fresh.engine) == "0008"
    tables = set(inspect(fresh.engine).get_table_names())
    assert OLD_TABLES <= tables
    assert not tables & {"artifact_facets", "artifact_text"}
    with fresh.engine.connect() as connection:
        after = {table: _table(connection, table) for table in OLD_TABLES}
    assert after == before
