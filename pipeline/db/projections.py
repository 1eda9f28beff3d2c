"""Projection tables: query-friendly copies of artifact fields, written in the same
transaction as their artifacts (labels, clusters, scene ranges, searchable text).

The two text tables are dialect-specific (PostgreSQL: table + generated tsvector + GIN on
(run_id, tsv); SQLite: FTS5 virtual table), so they live in their own MetaData that migrations never
create from; the Table objects here describe only the columns we insert and read.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from pipeline.db.models import Base
from schemas.payloads import (
    FaceDetection,
    ObjectDetection,
    OcrText,
    PlaceClassification,
    Scene,
    TranscriptSegment,
)

_CASCADE = {"ondelete": "CASCADE"}


def _projection_table(name: str, *columns: Column[Any], index: tuple[str, ...]) -> Table:
    return Table(
        name,
        Base.metadata,
        Column(
            "artifact_id",
            String(32),
            ForeignKey("artifacts.artifact_id", **_CASCADE),
            primary_key=True,
        ),
        Column("asset_id", String(32), nullable=False),
        Column("run_id", String(32), nullable=False),
        Column("start_ms", BigInteger, nullable=False),
        *columns,
        Index(f"ix_{name}_lookup", *index),
    )


object_labels = _projection_table(
    "object_labels",
    Column("label", String(128), nullable=False),
    Column("confidence", Float, nullable=False),
    index=("asset_id", "label", "start_ms"),
)
face_clusters = _projection_table(
    "face_clusters",
    Column("cluster_id", Integer, nullable=True),
    index=("asset_id", "cluster_id", "start_ms"),
)
scene_ranges = _projection_table(
    "scene_ranges",
    Column("scene_index", Integer, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    index=("asset_id", "start_ms"),
)
place_labels = _projection_table(
    "place_labels",
    Column("label", String(128), nullable=False),
    Column("confidence", Float, nullable=False),
    index=("asset_id", "label", "start_ms"),
)

text_metadata = MetaData()


def _text_table(name: str) -> Table:
    return Table(
        name,
        text_metadata,
        Column("artifact_id", String(32), primary_key=True),
        Column("asset_id", String(32)),
        Column("run_id", String(32)),
        Column("start_ms", BigInteger),
        Column("end_ms", BigInteger),
        Column("text", Text),
    )


transcript_fts = _text_table("transcript_fts")
ocr_fts = _text_table("ocr_fts")

ALL_PROJECTIONS: tuple[Table, ...] = (
    object_labels,
    face_clusters,
    scene_ranges,
    place_labels,
    transcript_fts,
    ocr_fts,
)


@dataclass(frozen=True)
class Projection:
    table: Table
    fields: Callable[[Mapping[str, Any]], dict[str, Any]]


def _top_place(payload: Mapping[str, Any]) -> dict[str, Any]:
    best = payload["predictions"][0]
    return {"label": best["label"], "confidence": best["confidence"]}


PROJECTIONS: dict[str, Projection] = {
    ObjectDetection.ARTIFACT_TYPE: Projection(
        object_labels, lambda p: {"label": p["label"], "confidence": p["confidence"]}
    ),
    FaceDetection.ARTIFACT_TYPE: Projection(
        face_clusters, lambda p: {"cluster_id": p.get("cluster_id")}
    ),
    Scene.ARTIFACT_TYPE: Projection(
        scene_ranges, lambda p: {"scene_index": p["scene_index"], "end_ms": p["end_ms"]}
    ),
    PlaceClassification.ARTIFACT_TYPE: Projection(place_labels, _top_place),
    TranscriptSegment.ARTIFACT_TYPE: Projection(
        transcript_fts, lambda p: {"end_ms": p["end_ms"], "text": p["text"]}
    ),
    OcrText.ARTIFACT_TYPE: Projection(
        ocr_fts, lambda p: {"end_ms": p["end_ms"], "text": p["text"]}
    ),
}


def projection_rows(artifacts: list[Mapping[str, Any]]) -> dict[Table, list[dict[str, Any]]]:
    """Group the projection rows of a batch of artifact rows by target table."""
    rows: dict[Table, list[dict[str, Any]]] = {}
    for artifact in artifacts:
        projection = PROJECTIONS.get(artifact["artifact_type"])
        if projection is None:
            continue
        row = {
            "artifact_id": artifact["artifact_id"],
            "asset_id": artifact["asset_id"],
            "run_id": artifact["run_id"],
            "start_ms": artifact["span_start_ms"],
            **projection.fields(artifact["payload"]),
        }
        rows.setdefault(projection.table, []).append(row)
    return rows
