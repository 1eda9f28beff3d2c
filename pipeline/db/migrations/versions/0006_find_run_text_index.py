"""Find reads one run's matches: the PostgreSQL text tables index (run_id, tsv) in one GIN
(btree_gin supplies the run_id operator class) in place of the GIN on tsv alone, so a
search reads the posting list of its word within the selected run instead of the word's
matches in every video. A GIN answers conditions on any of its columns, so searches
without a run still use it. SQLite's FTS5 tables are unchanged.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TEXT_TABLES = ("transcript_fts", "ocr_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # a trusted extension (PostgreSQL >= 13): the database owner may create it
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name in TEXT_TABLES:
        op.execute(f"CREATE INDEX ix_{name}_run_tsv ON {name} USING GIN (run_id, tsv)")
        op.execute(f"DROP INDEX ix_{name}_tsv")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in TEXT_TABLES:
        op.execute(f"CREATE INDEX ix_{name}_tsv ON {name} USING GIN (tsv)")
        op.execute(f"DROP INDEX ix_{name}_run_tsv")
    # btree_gin stays: it may have been there before, and other objects may use it
