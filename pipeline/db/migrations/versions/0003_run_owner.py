"""Runs record the process that executes them (host, pid, start marker), so a dead owner
on the same host is recognised at once; cache hits are no longer written to history.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("owner_host", sa.String(255), nullable=True))
        runs.add_column(sa.Column("owner_pid", sa.Integer, nullable=True))
        runs.add_column(sa.Column("owner_start", sa.String(64), nullable=True))
    op.execute("DELETE FROM analysis_history WHERE action = 'cached'")


def downgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("owner_start")
        runs.drop_column("owner_pid")
        runs.drop_column("owner_host")
