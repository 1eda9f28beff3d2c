"""Shared fixtures: one migrated SQLite and one migrated PostgreSQL database per session,
and a function-scoped ``db`` that runs a test on both with every table emptied first; a
private Redis (``broker``) and Chromium (``browser``) for the tests that need them.

A test is marked by the services its fixtures need (``FIXTURE_MARKERS``), so that
``make test-fast`` can deselect what needs PostgreSQL, Redis or a browser.

PostgreSQL is required: when it is unreachable the PostgreSQL tests fail with a clear
message, unless ``EIOKU_TEST_SKIP_POSTGRES=1`` (then they are skipped without connecting).
The server defaults to the local service; ``EIOKU_TEST_POSTGRES_URL`` may point at another
(its database is only used to create and drop the per-session test database).
"""

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import Browser
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from pipeline.db.engine import Database, normalize_url
from pipeline.db.migrate import current_revision, head_revision, upgrade
from support.synthetic import alternating_shots, write_video
from tests.support.distributed import RedisServer
from tests.support.factories import clear_tables
from tests.support.served import chromium

# Keep hypothesis from writing an example database into the working tree.
settings.register_profile("eioku", database=None)
settings.load_profile("eioku")

POSTGRES_ADMIN_URL = os.environ.get(
    "EIOKU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SKIP_POSTGRES = os.environ.get("EIOKU_TEST_SKIP_POSTGRES") == "1"
# The `db` fixture's PostgreSQL half carries its mark itself (a parameter, not a fixture).
FIXTURE_MARKERS = {
    "postgresql_database": "postgres",
    "empty_postgresql_url": "postgres",
    "broker": "distributed",
    "browser": "browser",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with what the fixtures it uses, directly or not, need."""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in FIXTURE_MARKERS:
                item.add_marker(FIXTURE_MARKERS[fixture])


@pytest.fixture(autouse=True, scope="session")
def isolated_eioku_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Nothing a test does may write into the working tree's .eioku (caches, databases)."""
    os.environ["EIOKU_HOME"] = str(tmp_path_factory.mktemp("eioku-home"))


def _migrated(db: Database) -> Database:
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    return db


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "eioku.db"
    db = _migrated(Database.from_url(f"sqlite:///{path}"))
    yield db
    db.dispose()


@contextmanager
def empty_postgresql_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (URL yielded), dropped afterwards."""
    if SKIP_POSTGRES:
        pytest.skip("EIOKU_TEST_SKIP_POSTGRES=1")
    admin_url = make_url(normalize_url(POSTGRES_ADMIN_URL))
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"eioku_test_{os.getpid()}_{secrets.token_hex(4)}"
    problem = None
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        problem = str(exc.orig)
    if problem is not None:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is unreachable at {admin_url.render_as_string()}: {problem}\n"
            "Start the service, point EIOKU_TEST_POSTGRES_URL at one, or set "
            "EIOKU_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[Database]:
    with empty_postgresql_database() as url:
        db = Database.from_url(url)
        try:
            yield _migrated(db)
        finally:
            db.dispose()


@pytest.fixture
def empty_postgresql_url() -> Iterator[str]:
    """A PostgreSQL database that no migration has touched."""
    with empty_postgresql_database() as url:
        yield url


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db(request: pytest.FixtureRequest) -> Database:
    """A migrated database of each dialect, emptied before the test."""
    database: Database = request.getfixturevalue(f"{request.param}_database")
    clear_tables(database)
    return database


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 64x48 video of two 10-frame shots: the cheapest real file to register."""
    path = tmp_path_factory.mktemp("media") / "tiny.mp4"
    return write_video(path, alternating_shots([10, 10]), size=(64, 48))


@pytest.fixture
def clip(tmp_path: Path, tiny_video: Path) -> Path:
    """A copy of the tiny video in its own folder (the allowed root)."""
    root = tmp_path / "videos"
    root.mkdir()
    return Path(shutil.copy2(tiny_video, root / "clip.mp4"))


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis on a free port, append-only file on; Celery's broker."""
    server = RedisServer(tmp_path / "redis")
    server.directory.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright."""
    with chromium() as running:
        yield running
