"""Initial schema: videos, runs, artifacts, selections, projections, history.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEXT_TABLES = ("transcript_fts", "ocr_fts")
ACTIVE = sa.text("status IN ('queued', 'running')")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(name: str, target: str, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    return sa.Column(
        name, sa.String(32), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable
    )


def _create_projection(name: str, *columns: sa.Column, index: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column(
            "artifact_id",
            sa.String(32),
            sa.ForeignKey("artifacts.artifact_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("asset_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("start_ms", sa.BigInteger, nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_lookup", name, list(index))


def _create_text_table(name: str, dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            f"CREATE TABLE {name} ("
            " artifact_id VARCHAR(32) PRIMARY KEY"
            " REFERENCES artifacts(artifact_id) ON DELETE CASCADE,"
            " asset_id VARCHAR(32) NOT NULL, run_id VARCHAR(32) NOT NULL,"
            " start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL, text TEXT NOT NULL,"
            " tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED)"
        )
        op.execute(f"CREATE INDEX ix_{name}_tsv ON {name} USING GIN (tsv)")
        op.execute(f"CREATE INDEX ix_{name}_asset_start ON {name} (asset_id, start_ms)")
    else:
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5(text, artifact_id UNINDEXED,"
            " asset_id UNINDEXED, run_id UNINDEXED, start_ms UNINDEXED, end_ms UNINDEXED,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "videos",
        sa.Column("video_id", sa.String(32), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("duration_ms", sa.BigInteger, nullable=False),
        sa.Column("fps", sa.Float, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("frame_count", sa.BigInteger, nullable=False),
        sa.Column("container", sa.String(64), nullable=False),
        sa.Column("video_codec", sa.String(64), nullable=False),
        sa.Column("audio_codec", sa.String(64)),
        _ts("created_at"),
    )
    op.create_table(
        "video_files",
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _fk("video_id", "videos.video_id"),
        _ts("seen_at"),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(32), primary_key=True),
        _fk("video_id", "videos.video_id"),
        sa.Column("analyzer", sa.String(64), nullable=False),
        sa.Column("artifact_type", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("engine_version", sa.String(32), nullable=False),
        sa.Column("config", _json(), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(255)),
        sa.Column("task_id", sa.String(64)),
        sa.Column("progress", sa.Float, nullable=False),
        _ts("heartbeat_at", nullable=True),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("artifact_count", sa.Integer, nullable=False),
        _ts("queued_at"),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
    )
    op.create_index("ix_runs_video_type_status", "runs", ["video_id", "artifact_type", "status"])
    op.create_index("ix_runs_cache_key", "runs", ["cache_key"])
    op.create_index(
        "uq_runs_active_cache_key",
        "runs",
        ["cache_key"],
        unique=True,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    op.create_table(
        "artifacts",
        sa.Column("artifact_id", sa.String(32), primary_key=True),
        _fk("asset_id", "videos.video_id"),
        sa.Column("artifact_type", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("span_start_ms", sa.BigInteger, nullable=False),
        sa.Column("span_end_ms", sa.BigInteger, nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("producer_version", sa.String(32), nullable=False),
        sa.Column("model_profile", sa.String(32), nullable=False),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        _fk("run_id", "runs.run_id"),
        _ts("created_at"),
    )
    op.create_index(
        "ix_artifacts_asset_type_start", "artifacts", ["asset_id", "artifact_type", "span_start_ms"]
    )
    op.create_index(
        "ix_artifacts_asset_type_profile_start",
        "artifacts",
        ["asset_id", "artifact_type", "model_profile", "span_start_ms"],
    )
    op.create_index("ix_artifacts_run", "artifacts", ["run_id"])
    if dialect == "postgresql":
        op.create_index(
            "ix_artifacts_payload_gin", "artifacts", ["payload"], postgresql_using="gin"
        )
    op.create_table(
        "artifact_selections",
        _fk("asset_id", "videos.video_id"),
        sa.Column("artifact_type", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("preferred_profile", sa.String(32)),
        _fk("pinned_run_id", "runs.run_id", nullable=True, ondelete="SET NULL"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("asset_id", "artifact_type"),
    )
    op.create_table(
        "analysis_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _ts("at"),
        _fk("video_id", "videos.video_id"),
        sa.Column("analyzer", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(32)),
        sa.Column("duration_ms", sa.BigInteger),
        sa.Column("detail", sa.Text),
    )

    def label() -> tuple[sa.Column, sa.Column]:
        return (
            sa.Column("label", sa.String(128), nullable=False),
            sa.Column("confidence", sa.Float, nullable=False),
        )

    _create_projection("object_labels", *label(), index=("asset_id", "label", "start_ms"))
    _create_projection(
        "face_clusters",
        sa.Column("cluster_id", sa.Integer),
        index=("asset_id", "cluster_id", "start_ms"),
    )
    _create_projection(
        "scene_ranges",
        sa.Column("scene_index", sa.Integer, nullable=False),
        sa.Column("end_ms", sa.BigInteger, nullable=False),
        index=("asset_id", "start_ms"),
    )
    _create_projection("place_labels", *label(), index=("asset_id", "label", "start_ms"))
    for name in TEXT_TABLES:
        _create_text_table(name, dialect)


def downgrade() -> None:
    for name in TEXT_TABLES:
        op.execute(f"DROP TABLE {name}")
    for name in (
        "place_labels",
        "scene_ranges",
        "face_clusters",
        "object_labels",
        "analysis_history",
        "artifact_selections",
        "artifacts",
        "runs",
        "video_files",
        "videos",
    ):
        op.drop_table(name)
