"""Engines and sessions for PostgreSQL (production) and SQLite (embedded default)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from pipeline.db.liveness import check_pooled_connections
from pipeline.db.migrate import UnusableDatabaseError


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _prefer_generic_plans(dbapi_connection: Any, _record: Any) -> None:
    """Plan a prepared statement once, not at every execution. psycopg prepares a statement
    run five times on a connection; PostgreSQL then weighs a generic plan against planning
    anew with the values, and for jump's statement it misjudges the generic one (a LIMIT
    over an index scan whose run filter it cannot estimate) and replans every time: planning
    took longer than running it (docs/ARCHITECTURE.md, "Request path")."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET plan_cache_mode = force_generic_plan")
    dbapi_connection.autocommit = autocommit


def create_db_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            _make_folder(Path(database))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(url)
    event.listen(engine, "connect", _prefer_generic_plans)
    check_pooled_connections(engine)
    return engine


def _make_folder(database: Path) -> None:
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnusableDatabaseError(
            f"cannot create the folder of the database {database} ({exc.strerror})"
        ) from None


class Database:
    """An engine plus a session factory; the one handle the rest of the code passes around."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @classmethod
    def from_url(cls, url: str) -> "Database":
        return cls(create_db_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads alone, each statement on its own: no BEGIN and COMMIT
        round trips. What it reads is what a transaction would read at READ COMMITTED,
        where each statement takes its own snapshot anyway (docs/ARCHITECTURE.md,
        "Request path"). ``Session(bind=connection)`` serves the ORM lookups."""
        with self._autocommit.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def connection_of(reader: Session | Connection) -> Connection:
    """The Core connection a statement runs on: the connection itself, the one a session
    was opened on (``Session(bind=connection)``, as the API's reads are: that spares the
    session's transaction bookkeeping), or a session's own. The hot reads (jump, find)
    execute there, which spares them SQLAlchemy's ORM execution path
    (docs/performance.md, "bench.query")."""
    if isinstance(reader, Connection):
        return reader
    return reader.bind if isinstance(reader.bind, Connection) else reader.connection()
