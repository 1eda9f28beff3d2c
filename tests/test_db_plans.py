"""The hot reads are planned and parsed once per connection, not at every request: every
PostgreSQL connection of the engine asks for generic plans of prepared statements, and
jump's and find's statements, with the current revisions of every profile of the built-in
analyzers, stay within the size up to which psycopg keeps its parse of a statement
(docs/ARCHITECTURE.md, "Request path"). bench.query reports both for its load."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.declarations import Filter
from pipeline.coordinator.current_revisions import CurrentRevisions
from pipeline.db.engine import Database, create_db_engine
from pipeline.db.repositories import SelectionPolicyManager
from pipeline.query.find import find_text
from pipeline.query.jump import JumpFilters, jump
from pipeline.query.kinds import Direction
from pipeline.settings import load_settings

SETTINGS = load_settings()
CATALOG = AnalyzerCatalog(SETTINGS)
VOCABULARY = CATALOG.vocabulary()


@pytest.fixture
def engine(empty_postgresql_url: str) -> Iterator[Engine]:
    engine = create_db_engine(empty_postgresql_url)
    yield engine
    engine.dispose()


def test_every_connection_asks_for_generic_plans_and_is_left_idle(engine: Engine) -> None:
    reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as first, reading.connect() as second:
        pids = {
            connection.scalar(text("SELECT pg_backend_pid()")) for connection in (first, second)
        }
        modes = [c.scalar(text("SHOW plan_cache_mode")) for c in (first, second)]
    assert len(pids) == 2
    assert modes == ["force_generic_plan", "force_generic_plan"]
    raw = engine.raw_connection()
    try:
        assert raw.driver_connection.info.transaction_status is TransactionStatus.IDLE
        assert raw.driver_connection.autocommit is False
    finally:
        raw.close()


Executed = list[tuple[str, dict[str, Any]]]


def executed_statements(
    db: Database, read: Callable[[Connection, SelectionPolicyManager], object]
) -> Executed:
    statements: Executed = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.reading() as connection, Session(bind=connection) as session:
            manager = SelectionPolicyManager(
                session,
                profile_order=SETTINGS.profile_order,
                current_revisions=CurrentRevisions(CATALOG, SETTINGS.models_path).of_type,
            )
            read(connection, manager)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def widest_filters(filters: frozenset[Filter]) -> JumpFilters:
    return JumpFilters(
        label="cup" if Filter.LABEL in filters else None,
        face_cluster_id=1 if Filter.PERSON in filters else None,
        min_confidence=0.5 if Filter.CONFIDENCE in filters else None,
    )


def assert_parse_kept(statements: Executed) -> None:
    assert statements
    for statement, parameters in statements:
        assert len(statement.encode()) <= MAX_CACHED_STATEMENT_LENGTH, statement
        assert len(parameters) <= MAX_CACHED_STATEMENT_PARAMS, sorted(parameters)


@pytest.mark.parametrize("kind", VOCABULARY.kinds)
@pytest.mark.parametrize("direction", list(Direction))
def test_jump_statement_is_parsed_once(
    postgresql_database: Database, kind: str, direction: Direction
) -> None:
    declared = VOCABULARY.kind(kind)
    filters = widest_filters(frozenset(declared.projects.filters))
    statements = executed_statements(
        postgresql_database,
        lambda connection, manager: jump(
            connection, manager, "no-such-video", declared, direction, 1_000, filters
        ),
    )
    assert_parse_kept(statements)


@pytest.mark.parametrize("kind", VOCABULARY.text_kinds)
def test_find_statement_is_parsed_once(postgresql_database: Database, kind: str) -> None:
    statements = executed_statements(
        postgresql_database,
        lambda connection, manager: find_text(
            connection, manager, "no-such-video", "cup", [VOCABULARY.text_kind(kind)]
        ),
    )
    assert_parse_kept(statements)
