"""Embeddings kept beside their artifacts (e.g. 128-d face descriptors), as float32 bytes.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifact_embeddings",
        sa.Column(
            "artifact_id",
            sa.String(32),
            sa.ForeignKey("artifacts.artifact_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("asset_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("dimensions", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_artifact_embeddings_run", "artifact_embeddings", ["run_id"])


def downgrade() -> None:
    op.drop_table("artifact_embeddings")
