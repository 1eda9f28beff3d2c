"""Drop the GIN index on ``artifacts.payload`` (PostgreSQL only; SQLite never had it).

No query reads payloads through a GIN operator (containment, key existence, jsonpath):
queries go through the projection tables and the btree indexes. The index was a large
share of the server's work in a bulk insert (see docs/ARCHITECTURE.md, "Bulk ingest", and
docs/performance.md).

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEX = "ix_artifacts_payload_gin"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(INDEX, table_name="artifacts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(INDEX, "artifacts", ["payload"], postgresql_using="gin")
