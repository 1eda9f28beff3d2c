"""Migration 0003 on both databases: runs gain their owner columns, the history rows that
cache hits used to add are dropped, and the downgrade restores revision 0002."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from pipeline.db.engine import Database
from pipeline.db.migrate import MIGRATIONS_DIR, current_revision, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'eioku.db'}"
    else:
        url = request.getfixturevalue("empty_postgresql_url")
    db = Database.from_url(url)
    yield db
    db.dispose()


INSERT_VIDEO = text(
    "INSERT INTO videos (video_id, content_hash, path, size_bytes, mtime_ns, "
    "duration_ms, fps, width, height, frame_count, container, video_codec, created_at) "
    "VALUES ('v', 'h', '/v.mp4', 1, 1, 1, 25, 2, 2, 1, 'mp4', 'h264', CURRENT_TIMESTAMP)"
)


def downgrade(db: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_0003_adds_run_owners_and_drops_cache_hit_history(fresh: Database) -> None:
    upgrade(fresh.engine, "0002")
    with fresh.engine.begin() as connection:
        connection.execute(INSERT_VIDEO)
        for action in ("cached", "cached", "auto_regenerate"):
            connection.execute(
                text(
                    "INSERT INTO analysis_history (at, video_id, analyzer, profile, action, "
                    "status) VALUES (CURRENT_TIMESTAMP, 'v', 'scenes', 'fast', :action, 'x')"
                ),
                {"action": action},
            )

    upgrade(fresh.engine, "0003")

    assert current_revision(fresh.engine) == "0003"
    columns = {column["name"] for column in inspect(fresh.engine).get_columns("runs")}
    assert {"owner_host", "owner_pid", "owner_start"} <= columns
    with fresh.engine.connect() as connection:
        actions = connection.scalars(text("SELECT action FROM analysis_history")).all()
    assert actions == ["auto_regenerate"]

    downgrade(fresh, "0002")
    assert current_revision(fresh.engine) == "0002"
    columns = {column["name"] for column in inspect(fresh.engine).get_columns("runs")}
    assert not {"owner_host", "owner_pid", "owner_start"} & columns
