"""Schema migrations (Alembic) run from code: `eioku db upgrade` and the embedded
self-migration. Checking that a schema is at head costs one query and no Alembic import
(it is imported only when a migration runs), which keeps every CLI command quick."""

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError

from pipeline.db.availability import database_location, is_unavailable
from pipeline.errors import EiokuError, ErrorKind

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision\s*(?::\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


class SchemaOutOfDateError(EiokuError, RuntimeError):
    """A server database behind the code's migrations: `eioku db upgrade` brings it up."""

    code = "schema_out_of_date"
    kind = ErrorKind.UNAVAILABLE


class UnusableDatabaseError(EiokuError, RuntimeError):
    """The database answered but cannot be used (an SQLite URL naming a file that is not
    a database, say); the message names it and says why."""

    code = "unusable_database"


def _alembic_config() -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def head_revision() -> str:
    """The one revision no other revision builds on, read from the migration files."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text()
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
        if parent := _DOWN_REVISION.search(source):
            parents.add(parent.group(1))
    heads = revisions - parents
    assert len(heads) == 1, f"the migrations folder must have one head, not {sorted(heads)}"
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Only one process at a time migrates an SQLite file (two `eioku analyze` started
    together on a fresh home would both create the tables): an exclusive lock on a file
    beside the database, released by the system even if the process dies."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    try:
        lock = open(f"{database}.migrate-lock", "a")  # noqa: SIM115 (closed below)
    except OSError as exc:
        message = f"cannot create the database {database} ({exc.strerror})"
        raise UnusableDatabaseError(message) from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_schema(engine: Engine, *, migrate: bool) -> None:
    """Migrate when allowed (embedded SQLite); otherwise insist the schema is at head. The
    embedded database is first read under the migration lock too: a process that reads a
    fresh file while another creates its tables can be told "database is locked"."""
    if not migrate:
        if _first_contact(engine) != head_revision():
            raise SchemaOutOfDateError(
                f"database schema is not at revision {head_revision()}: run `eioku db upgrade`"
            )
        return
    with _migration_lock(engine):
        if _first_contact(engine) != head_revision():
            upgrade(engine)


def _first_contact(engine: Engine) -> str | None:
    """The schema's revision, or UnusableDatabaseError for a file that is no database."""
    try:
        current = current_revision(engine)
    except DatabaseError as exc:  # the first contact with the database
        if is_unavailable(exc):
            raise
        location = database_location(engine.url.render_as_string(hide_password=True))
        raise UnusableDatabaseError(f"cannot use the database {location}: {exc.orig}") from None
    return current
