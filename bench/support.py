"""Shared by the bench scripts: a throw-away PostgreSQL database."""

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.db.engine import normalize_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"


@contextmanager
def temporary_database(admin_url: str = DEFAULT_ADMIN_URL) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, and always drop it afterwards."""
    name = f"eioku_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(normalize_url(admin_url)).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped temporary database {name}", file=sys.stderr)
    finally:
        admin.dispose()


@contextmanager
def kept_database(
    name: str, marker: str, admin_url: str = DEFAULT_ADMIN_URL
) -> Iterator[tuple[str, bool]]:
    """The database `name`, kept after the run: yields its URL and whether it already holds
    the data described by `marker` (its COMMENT, set by `mark_loaded` after a complete
    load). A new database is created; one that exists with another comment (another
    load, an interrupted one, or not a bench database at all) is refused, never dropped."""
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}
            )
            comment = connection.scalar(
                text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                    " WHERE datname = :name"
                ),
                {"name": name},
            )
            if exists and comment != marker:
                raise SystemExit(
                    f"database {name} exists but does not hold this load ({marker}); "
                    f"drop it (DROP DATABASE {name}) or pick another name"
                )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(normalize_url(admin_url)).set(database=name)
        yield url.render_as_string(hide_password=False), bool(exists)
    finally:
        admin.dispose()


def mark_loaded(url: str, marker: str) -> None:
    """Record in the database's COMMENT that the load described by `marker` is complete."""
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            name = connection.scalar(text("SELECT current_database()"))
            quoted = marker.replace("'", "''")
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{quoted}'"))
    finally:
        engine.dispose()
