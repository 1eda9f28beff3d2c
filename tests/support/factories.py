"""Plain helper functions that insert rows and build envelopes for tests."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.vocabulary import Vocabulary
from pipeline.db.engine import Database
from pipeline.db.models import Base, Run, RunStatus, Video
from pipeline.db.projections import text_metadata
from pipeline.db.repositories import ArtifactRepository
from pipeline.settings import load_settings
from schemas import ArtifactEnvelope
from schemas.base import Payload

INSTALLED: Vocabulary = AnalyzerCatalog(load_settings()).vocabulary()
"""The artifact types of the installed analyzers: their schemas and projections."""


def write_artifacts(
    session: Session,
    envelopes: list[ArtifactEnvelope],
    embeddings: dict[str, list[float]] | None = None,
) -> int:
    """``batch_create`` with the installed analyzers' vocabulary."""
    return ArtifactRepository(session, vocabulary=INSTALLED).batch_create(envelopes, embeddings)


def new_id() -> str:
    return uuid.uuid4().hex


def make_video(session: Session, **overrides: Any) -> Video:
    """Insert a videos row with every non-null column filled; returns it flushed."""
    video_id = overrides.pop("video_id", None) or new_id()
    fields: dict[str, Any] = {
        "video_id": video_id,
        "content_hash": uuid.uuid4().hex + uuid.uuid4().hex,
        "path": f"/videos/{video_id}.mp4",
        "size_bytes": 1_048_576,
        "mtime_ns": 1_700_000_000_000_000_000,
        "duration_ms": 60_000,
        "fps": 25.0,
        "width": 1280,
        "height": 720,
        "frame_count": 1_500,
        "container": "mp4",
        "video_codec": "h264",
        "audio_codec": "aac",
        "created_at": datetime.now(UTC),
    }
    fields.update(overrides)
    video = Video(**fields)
    session.add(video)
    session.flush()
    return video


def make_run(session: Session, video_id: str, **overrides: Any) -> Run:
    """Insert a runs row (queued, fast profile, unique cache key by default); returns it flushed.

    A finished status without an explicit ``finished_at`` gets the current time."""
    status = RunStatus(overrides.pop("status", RunStatus.QUEUED))
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "run_id": new_id(),
        "video_id": video_id,
        "analyzer": "objects",
        "artifact_type": "object.detection",
        "profile": "fast",
        "model_id": "yolov8n-untrained@" + "0" * 16,
        "engine_version": "1.0.0",
        "config": {"threshold": 0.25},
        "config_hash": "c" * 64,
        "cache_key": uuid.uuid4().hex + uuid.uuid4().hex,
        "status": status,
        "attempts": 0,
        "progress": 0.0,
        "artifact_count": 0,
        "queued_at": now,
        "started_at": None,
        "finished_at": None,
    }
    if status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        fields["finished_at"] = now
    if status is RunStatus.RUNNING:
        fields["started_at"] = now
        fields["heartbeat_at"] = now
        fields["attempts"] = 1
    fields.update(overrides)
    run = Run(**fields)
    session.add(run)
    session.flush()
    return run


def make_envelope(
    payload: Payload,
    *,
    asset_id: str | None = None,
    run_id: str | None = None,
    **overrides: Any,
) -> ArtifactEnvelope:
    """Wrap a payload model instance in a complete, valid envelope."""
    start, end = payload.span_ms()
    fields: dict[str, Any] = {
        "artifact_id": new_id(),
        "asset_id": asset_id or new_id(),
        "artifact_type": payload.ARTIFACT_TYPE,
        "schema_version": payload.SCHEMA_VERSION,
        "span_start_ms": start,
        "span_end_ms": end,
        "payload": payload.model_dump(mode="json"),
        "producer": "test-analyzer",
        "producer_version": "1.0.0",
        "model_profile": "fast",
        "model_id": "test-model@sha256:" + "0" * 16,
        "config_hash": "c" * 64,
        "input_hash": "i" * 64,
        "run_id": run_id or new_id(),
        "created_at": datetime.now(UTC),
    }
    fields.update(overrides)
    return ArtifactEnvelope(**fields)


def clear_tables(db: Database) -> None:
    """Empty every table, children first (FTS tables have no foreign keys, so go first)."""
    with db.transaction() as session:
        for table in text_metadata.sorted_tables:
            session.execute(delete(table))
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
