"""SQLAlchemy 2.0 models (docs/ARCHITECTURE.md, "Data model"). The schema itself is created
by Alembic migrations."""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pipeline.db.types import JSONDocument, UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONDocument,
        datetime: UTCDateTime(),
    }


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class SelectionMode(StrEnum):
    DEFAULT = "default"
    PINNED = "pinned"
    LATEST = "latest"
    PROFILE = "profile"
    BEST_QUALITY = "best_quality"


class HistoryAction(StrEnum):
    AUTO_REGENERATE = "auto_regenerate"
    MANUAL_REGENERATE = "manual_regenerate"
    DISMISSED = "dismissed"


class HistoryStatus(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


class RegenerationReason(StrEnum):
    MISSING = "missing"
    STALE = "stale"
    MANUAL = "manual"


class Video(Base):
    """One distinct content. Identity is the content hash, not the path."""

    __tablename__ = "videos"

    video_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    fps: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    frame_count: Mapped[int] = mapped_column(BigInteger)
    container: Mapped[str] = mapped_column(String(64))
    video_codec: Mapped[str] = mapped_column(String(64))
    audio_codec: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VideoFile(Base):
    """Stat cache: a path seen with this size and mtime had this content hash."""

    __tablename__ = "video_files"

    path: Mapped[str] = mapped_column(Text, primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.video_id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_video_type_status", "video_id", "artifact_type", "status"),
        Index("ix_runs_cache_key", "cache_key"),
        Index("ix_runs_video_analyzer_profile", "video_id", "analyzer", "profile"),
        Index(
            "uq_runs_active_cache_key",
            "cache_key",
            unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
            sqlite_where=text("status IN ('queued', 'running')"),
        ),
    )

    run_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.video_id", ondelete="CASCADE"))
    analyzer: Mapped[str] = mapped_column(String(64))
    artifact_type: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(String(255))
    engine_version: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]]
    config_hash: Mapped[str] = mapped_column(String(64))
    cache_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255))
    task_id: Mapped[str | None] = mapped_column(String(64))
    owner_host: Mapped[str | None] = mapped_column(String(255))
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    owner_start: Mapped[str | None] = mapped_column(String(64))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    heartbeat_at: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    artifact_count: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    revision: Mapped[str | None] = mapped_column(String(64))  # the profile revision
    reason: Mapped[str | None] = mapped_column(String(16))  # why it was regenerated
    dismissed_at: Mapped[datetime | None]


class SegmentStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"


class RunSegment(Base):
    """One time window of a segmented run (docs/ARCHITECTURE.md, "Segments"): its
    boundaries, who works on it, and once done the analyzer's observations, kept until the
    run commits its artifacts so that a resumed run redoes only the unfinished windows."""

    __tablename__ = "run_segments"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=SegmentStatus.PENDING)
    claim: Mapped[str | None] = mapped_column(String(64))  # the claim token of its worker
    worker: Mapped[str | None] = mapped_column(String(255))
    owner_host: Mapped[str | None] = mapped_column(String(255))  # the claiming process,
    owner_pid: Mapped[int | None] = mapped_column(Integer)  # as for runs: a dead one on
    owner_start: Mapped[str | None] = mapped_column(String(64))  # this host is seen at once
    heartbeat_at: Mapped[datetime | None]
    observations: Mapped[list[Any] | None] = mapped_column(JSONDocument)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)


class Artifact(Base):
    __tablename__ = "artifacts"
    __table_args__ = (
        Index("ix_artifacts_asset_type_start", "asset_id", "artifact_type", "span_start_ms"),
        Index(
            "ix_artifacts_asset_type_profile_start",
            "asset_id",
            "artifact_type",
            "model_profile",
            "span_start_ms",
        ),
        Index("ix_artifacts_run", "run_id"),
    )

    artifact_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("videos.video_id", ondelete="CASCADE"))
    artifact_type: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer)
    span_start_ms: Mapped[int] = mapped_column(BigInteger)
    span_end_ms: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]]
    producer: Mapped[str] = mapped_column(String(64))
    producer_version: Mapped[str] = mapped_column(String(32))
    model_profile: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(String(255))
    config_hash: Mapped[str] = mapped_column(String(64))
    input_hash: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArtifactSelection(Base):
    __tablename__ = "artifact_selections"

    asset_id: Mapped[str] = mapped_column(
        ForeignKey("videos.video_id", ondelete="CASCADE"), primary_key=True
    )
    artifact_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    preferred_profile: Mapped[str | None] = mapped_column(String(32))
    pinned_run_id: Mapped[str | None] = mapped_column(
        ForeignKey("runs.run_id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnalysisHistory(Base):
    __tablename__ = "analysis_history"
    __table_args__ = (
        Index("ix_analysis_history_at", "at", "id"),
        Index("ix_analysis_history_video_at", "video_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.video_id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    descriptors: Mapped[list[str]] = mapped_column(JSONDocument)
    profile: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    run_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)


class Intent(Base):
    """What someone wants materialised for a video under a profile; ``intent_hash``
    memoizes it (hash of video, profile and sorted descriptors)."""

    __tablename__ = "intents"

    video_id: Mapped[str] = mapped_column(
        ForeignKey("videos.video_id", ondelete="CASCADE"), primary_key=True
    )
    profile: Mapped[str] = mapped_column(String(32), primary_key=True)
    descriptors: Mapped[list[str]] = mapped_column(JSONDocument)
    intent_hash: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArtifactEmbedding(Base):
    """A vector kept beside its artifact (not in the JSON payload), as float32 bytes."""

    __tablename__ = "artifact_embeddings"

    artifact_id: Mapped[str] = mapped_column(
        ForeignKey("artifacts.artifact_id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    dimensions: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
