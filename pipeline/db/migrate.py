"""Schema migrations (Alembic) run from code: `eioku db upgrade` and the embedded self-migration."""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class SchemaOutOfDateError(RuntimeError):
    pass


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
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
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_schema(engine: Engine, *, migrate: bool) -> None:
    """Migrate when allowed (embedded SQLite); otherwise insist the schema is at head."""
    if current_revision(engine) == head_revision():
        return
    if migrate:
        with _migration_lock(engine):
            if current_revision(engine) != head_revision():  # unless the lock's holder did
                upgrade(engine)
        return
    raise SchemaOutOfDateError(
        f"database schema is not at revision {head_revision()}: run `eioku db upgrade`"
    )
