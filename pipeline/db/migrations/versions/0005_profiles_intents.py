"""Profiles, intents and the cache diff: runs record their profile revision, the reason
they were regenerated and whether they were dismissed; intents (video x profile x
descriptors); the analysis history keyed by UUID with descriptors, reason and
success/failure, retained by count.

Revision ID: 0005
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

SUCCESS_STATUSES = ("succeeded", "skipped")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _video_fk() -> sa.Column:
    return sa.Column(
        "video_id",
        sa.String(32),
        sa.ForeignKey("videos.video_id", ondelete="CASCADE"),
        nullable=False,
    )


def _intent_hash(video_id: str, profile: str, descriptors: list[str]) -> str:
    # the same canonical JSON as pipeline.coordinator.intents.intent_hash
    document = {"video": video_id, "profile": profile, "descriptors": sorted(descriptors)}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("revision", sa.String(64), nullable=True))
        runs.add_column(sa.Column("reason", sa.String(16), nullable=True))
        runs.add_column(_ts("dismissed_at", nullable=True))
    op.create_index("ix_runs_video_analyzer_profile", "runs", ["video_id", "analyzer", "profile"])
    intents = op.create_table(
        "intents",
        _video_fk(),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("descriptors", _json(), nullable=False),
        sa.Column("intent_hash", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(16), nullable=False),
        _ts("requested_at"),
        sa.PrimaryKeyConstraint("video_id", "profile"),
    )
    _intents_from_results(intents)
    _rebuild_history()


def _intents_from_results(intents: sa.Table) -> None:
    """What was analyzed before intents existed was asked for: one intent per (video,
    profile) with the analyzers of its succeeded runs, so nothing turns extraneous."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT video_id, profile, analyzer, MAX(finished_at) AS finished_at FROM runs "
            "WHERE status = 'succeeded' GROUP BY video_id, profile, analyzer"
        ).columns(finished_at=sa.DateTime(timezone=True))
    ).all()
    grouped: dict[tuple[str, str], tuple[list[str], datetime]] = {}
    for video_id, profile, analyzer, finished in rows:
        finished_at = _aware(finished or datetime.now(UTC))
        names, latest = grouped.setdefault((video_id, profile), ([], finished_at))
        names.append(analyzer)
        grouped[(video_id, profile)] = (names, max(latest, finished_at))
    values = [
        {
            "video_id": video_id,
            "profile": profile,
            "descriptors": sorted(names),
            "intent_hash": _intent_hash(video_id, profile, names),
            "requested_by": "cli",
            "requested_at": latest,
        }
        for (video_id, profile), (names, latest) in grouped.items()
    ]
    if values:
        op.bulk_insert(intents, values)


def _rebuild_history() -> None:
    bind = op.get_bind()
    old = bind.execute(
        sa.text(
            "SELECT at, video_id, analyzer, profile, action, status, run_id, duration_ms, "
            "detail FROM analysis_history ORDER BY id"
        ).columns(at=sa.DateTime(timezone=True))
    ).all()
    op.drop_table("analysis_history")
    history = op.create_table(
        "analysis_history",
        sa.Column("id", sa.String(36), primary_key=True),
        _ts("at"),
        _video_fk(),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("descriptors", _json(), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duration_ms", sa.BigInteger),
        sa.Column("run_id", sa.String(32)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_analysis_history_at", "analysis_history", ["at", "id"])
    op.create_index("ix_analysis_history_video_at", "analysis_history", ["video_id", "at"])
    values = [
        {
            "id": str(uuid.uuid4()),
            "at": _aware(row.at),
            "video_id": row.video_id,
            "action": row.action,
            "descriptors": [row.analyzer],
            "profile": row.profile,
            "reason": None,
            "status": "success" if row.status in SUCCESS_STATUSES else "failure",
            "duration_ms": row.duration_ms,
            "run_id": row.run_id,
            "detail": row.detail,
        }
        for row in old
    ]
    if values:
        op.bulk_insert(history, values)


def downgrade() -> None:
    op.drop_table("analysis_history")
    op.create_table(
        "analysis_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _ts("at"),
        _video_fk(),
        sa.Column("analyzer", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(32)),
        sa.Column("duration_ms", sa.BigInteger),
        sa.Column("detail", sa.Text),
    )
    op.drop_table("intents")
    op.drop_index("ix_runs_video_analyzer_profile", "runs")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("dismissed_at")
        runs.drop_column("reason")
        runs.drop_column("revision")
