"""Search text: ``artifact_text`` keeps beside each text its search text (case folded,
accents removed, tokenized in Python: ``pipeline.db.search_text``), and both databases
index that instead of the text, so that case and accents match alike on both
(docs/ARCHITECTURE.md, "Search"). PostgreSQL: the tsvector is generated from
``search_text``; SQLite: the FTS5 table indexes ``search_text`` alone, with the ``ascii``
tokenizer (the search text holds only letters, digits and single spaces, so it splits at
the spaces and nowhere else).

The search text of the stored rows is computed here in Python, on both databases, in
batches of ``BATCH`` rows read in the table's order: on PostgreSQL an update of each batch
then a rewrite of the table (for the generated tsvector) that keeps that order; on SQLite
a new FTS5 table filled batch by batch.

Revision ID: 0011
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from pipeline.db.search_text import search_text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 10_000
OTHER_COLUMNS = "artifact_id, asset_id, run_id, start_ms, end_ms"


def _batches(select: str) -> Iterator[Sequence[sa.Row[Any]]]:
    """The rows of ``select``, ``BATCH`` at a time, streamed (a server-side cursor on
    PostgreSQL) while the caller writes each batch on the same connection: the cursor sees
    the table as it was when opened."""
    rows = op.get_bind().execute(sa.text(select).execution_options(yield_per=BATCH))
    yield from rows.partitions()


def _upgrade_postgresql() -> None:
    op.execute("DROP INDEX ix_artifact_text_run_tsv")
    op.execute("ALTER TABLE artifact_text DROP COLUMN tsv")  # no tsv rewritten per update
    op.execute("ALTER TABLE artifact_text ADD COLUMN search_text TEXT")
    # in the table's own order, so that the rows keep it (and a run's rows their nearness)
    # once rewritten below; the updated versions are written after the rows read
    for batch in _batches("SELECT artifact_id, text FROM artifact_text"):
        op.get_bind().execute(
            sa.text(
                "UPDATE artifact_text t SET search_text = u.search_text"
                " FROM unnest(CAST(:keys AS text[]), CAST(:texts AS text[]))"
                " AS u(artifact_id, search_text) WHERE t.artifact_id = u.artifact_id"
            ),
            {
                "keys": [row.artifact_id for row in batch],
                "texts": [search_text(row.text) for row in batch],
            },
        )
    op.execute("ALTER TABLE artifact_text ALTER COLUMN search_text SET NOT NULL")
    _add_tsv("search_text")
    op.execute("ANALYZE artifact_text")  # the new tsv column has no statistics yet


def _add_tsv(column: str) -> None:
    op.execute(
        "ALTER TABLE artifact_text ADD COLUMN tsv tsvector"
        f" GENERATED ALWAYS AS (to_tsvector('simple', {column})) STORED"
    )
    op.execute("CREATE INDEX ix_artifact_text_run_tsv ON artifact_text USING GIN (run_id, tsv)")


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE artifact_text_new USING fts5(search_text, text UNINDEXED,"
        " artifact_id UNINDEXED, asset_id UNINDEXED, run_id UNINDEXED, start_ms UNINDEXED,"
        " end_ms UNINDEXED, tokenize = 'ascii')"
    )
    for batch in _batches(f"SELECT text, {OTHER_COLUMNS} FROM artifact_text ORDER BY rowid"):
        op.get_bind().execute(
            sa.text(
                f"INSERT INTO artifact_text_new (search_text, text, {OTHER_COLUMNS}) VALUES"
                " (:search_text, :text, :artifact_id, :asset_id, :run_id, :start_ms, :end_ms)"
            ),
            [{**row._mapping, "search_text": search_text(row.text)} for row in batch],
        )
    _replace_sqlite_table()


def _replace_sqlite_table() -> None:
    op.execute("DROP TABLE artifact_text")
    op.execute("ALTER TABLE artifact_text_new RENAME TO artifact_text")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_artifact_text_run_tsv")
        op.execute("ALTER TABLE artifact_text DROP COLUMN tsv")
        op.execute("ALTER TABLE artifact_text DROP COLUMN search_text")
        _add_tsv("text")
        return
    # revision 0010's table
    op.execute(
        "CREATE VIRTUAL TABLE artifact_text_new USING fts5(text, artifact_id UNINDEXED,"
        " asset_id UNINDEXED, run_id UNINDEXED, start_ms UNINDEXED, end_ms UNINDEXED,"
        " tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"INSERT INTO artifact_text_new (text, {OTHER_COLUMNS})"
        f" SELECT text, {OTHER_COLUMNS} FROM artifact_text"
    )
    _replace_sqlite_table()
