"""Migration 0006 (find): on PostgreSQL each text table indexes (run_id, tsv) in one GIN,
in place of 0005's GIN on tsv alone, and a search within one run reads it; the downgrade
restores 0005's index. SQLite's FTS5 tables are left as they are, both ways."""

import pytest
from sqlalchemy import bindparam, text

from pipeline.db.engine import Database
from pipeline.db.migrate import current_revision, upgrade
from tests.test_migration_0003 import downgrade, fresh  # noqa: F401

TEXT_TABLES = ("transcript_fts", "ocr_fts")


def text_indexes(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            query = "SELECT indexname FROM pg_indexes WHERE tablename IN :tables"
        else:
            query = "SELECT name FROM sqlite_master WHERE tbl_name IN :tables AND type = 'index'"
        tables = bindparam("tables", TEXT_TABLES, expanding=True)
        rows = connection.execute(text(query).bindparams(tables))
        return {name for (name,) in rows}


def test_0006_indexes_text_by_run_and_word_and_downgrades(fresh: Database) -> None:  # noqa: F811
    upgrade(fresh.engine, "0005")
    before = text_indexes(fresh)

    upgrade(fresh.engine, "0006")

    assert current_revision(fresh.engine) == "0006"
    after = text_indexes(fresh)
    if fresh.dialect == "postgresql":
        assert after == (before - {"ix_transcript_fts_tsv", "ix_ocr_fts_tsv"}) | {
            "ix_transcript_fts_run_tsv",
            "ix_ocr_fts_run_tsv",
        }
    else:
        assert after == before
    downgrade(fresh, "0005")
    assert current_revision(fresh.engine) == "0005"
    assert text_indexes(fresh) == before


@pytest.mark.parametrize(
    ("revision", "table"),
    # 0009 replaced the two tables by one generic text table, indexed the same way
    [("0008", "transcript_fts"), ("0008", "ocr_fts"), ("head", "artifact_text")],
)
def test_a_search_within_one_run_reads_the_run_and_word_index(
    empty_postgresql_url: str, revision: str, table: str
) -> None:
    db = Database.from_url(empty_postgresql_url)
    try:
        upgrade(db.engine, revision)
        with db.engine.begin() as connection:
            connection.execute(text("SET LOCAL enable_seqscan = off"))  # the table is empty
            plan = "\n".join(
                row[0]
                for row in connection.execute(
                    text(
                        f"EXPLAIN SELECT artifact_id FROM {table} WHERE run_id = 'r'"
                        " AND tsv @@ websearch_to_tsquery('simple', 'word')"
                    )
                )
            )
    finally:
        db.dispose()
    assert f"ix_{table}_run_tsv" in plan
    assert "run_id" in plan.split(f"ix_{table}_run_tsv", 1)[1]  # an index condition
