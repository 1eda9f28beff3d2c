"""Pooled PostgreSQL connections are checked at checkout without a round trip: a healthy
one is handed out as is, one whose backend was terminated is replaced."""

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from pipeline.db.engine import create_db_engine, normalize_url
from pipeline.db.liveness import has_input


@pytest.fixture
def engine(empty_postgresql_url: str) -> Iterator[Engine]:
    engine = create_db_engine(empty_postgresql_url)
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def terminate(url: str, pid: int) -> None:
    """Terminate a backend and wait until its process is gone (its socket closed)."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
        while connection.scalar(alive, {"pid": pid}) and time.monotonic() < deadline:
            time.sleep(0.01)
    admin.dispose()


def last_query(url: str, pid: int) -> str:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        query = connection.scalar(
            text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
    admin.dispose()
    return str(query)


def test_a_healthy_pooled_connection_is_handed_out_without_a_ping(
    engine: Engine, empty_postgresql_url: str
) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        pid = int(connection.scalar(text("SELECT pg_backend_pid() /* marker */")))
    for _ in range(3):
        with engine.connect() as connection:
            assert not has_input(connection.connection.dbapi_connection)
    assert "marker" in last_query(empty_postgresql_url, pid)  # no SELECT 1 came after it


def test_a_terminated_backend_is_replaced_at_checkout(
    engine: Engine, empty_postgresql_url: str
) -> None:
    pid = backend_pid(engine)
    terminate(empty_postgresql_url, pid)
    assert backend_pid(engine) != pid


def test_without_the_check_the_same_terminated_backend_fails_the_query(
    empty_postgresql_url: str,
) -> None:
    """The scenario above is real: a pool that does not check hands out the dead one."""
    unchecked = create_engine(normalize_url(empty_postgresql_url))
    try:
        pid = backend_pid(unchecked)
        terminate(empty_postgresql_url, pid)
        with pytest.raises(OperationalError):
            backend_pid(unchecked)
    finally:
        unchecked.dispose()
