"""Migration 0011 on both databases: the stored texts get their search text in batches
(more rows than one batch here), find matches them without case or accents, and the
downgrade restores revision 0010's table with the same texts."""

from typing import Any

from sqlalchemy import insert, text

from pipeline.db.engine import Database
from pipeline.db.migrate import current_revision, upgrade
from pipeline.db.models import Artifact
from pipeline.db.repositories import SelectionPolicyManager
from pipeline.db.search_text import search_text
from pipeline.query.find import find_text
from schemas.payloads import TranscriptSegment
from tests.support.factories import INSTALLED, make_envelope, make_run, make_video
from tests.test_migration_0003 import downgrade, fresh  # noqa: F401 (fixture)

ROWS = 10_007  # one batch of 10,000 and a few more
TEXT_COLUMNS = "artifact_id, asset_id, run_id, start_ms, end_ms, text"


def _series(dialect: str) -> str:
    """A table ``series(i)`` of 1..ROWS as a CTE."""
    if dialect == "postgresql":
        return f"WITH series AS (SELECT generate_series(1, {ROWS}) AS i)"
    return (
        "WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series"
        f" WHERE i < {ROWS})"
    )


def _stored(db: Database) -> str:
    """Revision 0010 with ROWS transcript segments, their text rows written as 0010's code
    wrote them; returns the video id."""
    upgrade(db.engine, "0010")
    payload = TranscriptSegment(start_ms=0, end_ms=10, text="x", language="es", confidence=0.9)
    with db.sessions() as session, session.begin():
        make_video(session, video_id="v")
        run = make_run(session, "v", status="succeeded", artifact_type="transcript.segment",
                       analyzer="transcript")  # fmt: skip
        template = make_envelope(payload, asset_id="v", run_id=run.run_id).model_dump()
        session.execute(insert(Artifact.__table__), [{**template, "artifact_id": "template"}])
    columns = [name for name in template if name not in ("artifact_id", "span_start_ms")]
    dialect = db.engine.dialect.name
    number = "lpad(CAST(i AS text), 6, '0')" if dialect == "postgresql" else "printf('%06d', i)"
    with db.engine.begin() as connection:
        connection.execute(
            text(
                f"{_series(dialect)} INSERT INTO artifacts (artifact_id, span_start_ms,"
                f" {', '.join(columns)}) SELECT 'a' || {number}, i, {', '.join(columns)}"
                " FROM artifacts, series WHERE artifact_id = 'template'"
            )
        )
        connection.execute(text("DELETE FROM artifacts WHERE artifact_id = 'template'"))
        connection.execute(
            text(
                f"{_series(dialect)} INSERT INTO artifact_text ({TEXT_COLUMNS})"
                f" SELECT 'a' || {number}, 'v', :run_id, i, i + 10,"
                f" 'Hablo CASTELLANO, número ' || {number} FROM series"
            ),
            {"run_id": run.run_id},
        )
    return "v"


def _texts(db: Database) -> dict[str, dict[str, Any]]:
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM artifact_text")).mappings()
        return {row["artifact_id"]: dict(row) for row in rows}


def test_0011_computes_the_search_text_in_batches_and_downgrades(fresh: Database) -> None:  # noqa: F811
    video = _stored(fresh)
    before = {key: row["text"] for key, row in _texts(fresh).items()}
    assert len(before) == ROWS

    upgrade(fresh.engine, "0011")

    assert current_revision(fresh.engine) == "0011"
    after = _texts(fresh)
    assert {key: row["text"] for key, row in after.items()} == before
    assert all(row["search_text"] == search_text(row["text"]) for row in after.values())
    assert after["a010007"]["search_text"] == "hablo castellano numero 010007"
    with fresh.sessions() as session:
        manager = SelectionPolicyManager(session)
        sources = [INSTALLED.kind("transcript")]
        last = find_text(session, manager, video, '"castellano numero 010007"', sources)
        assert [match.artifact_id for match in last] == ["a010007"]
        assert last[0].snippet == "Hablo <mark>CASTELLANO, número 010007</mark>"
        assert len(find_text(session, manager, video, "castellano 0100*", sources)) == 8

    downgrade(fresh, "0010")

    assert current_revision(fresh.engine) == "0010"
    assert {key: row["text"] for key, row in _texts(fresh).items()} == before
    assert "search_text" not in _texts(fresh)["a000001"]
    match = (
        "tsv @@ websearch_to_tsquery('simple', 'número')"
        if fresh.engine.dialect.name == "postgresql"
        else "artifact_text MATCH 'numero'"  # 0010's tokenizer removes diacritics
    )
    with fresh.engine.connect() as connection:
        count = connection.scalar(text(f"SELECT count(*) FROM artifact_text WHERE {match}"))
    assert count == ROWS
