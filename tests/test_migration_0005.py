"""Migration 0005 on both databases: runs gain revision, reason and dismissal; what was
analyzed before becomes the intent of its (video, profile); history rows get UUIDs,
descriptors and success/failure; the downgrade restores revision 0003."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from pipeline.db.engine import Database
from pipeline.db.migrate import MIGRATIONS_DIR, current_revision, upgrade
from pipeline.db.repositories.intents import intent_hash


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'eioku.db'}"
    else:
        url = request.getfixturevalue("empty_postgresql_url")
    db = Database.from_url(url)
    yield db
    db.dispose()


def test_0005_backfills_intents_and_rewrites_history(fresh: Database) -> None:
    upgrade(fresh.engine, "0003")
    with fresh.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO videos (video_id, content_hash, path, size_bytes, mtime_ns, "
            "duration_ms, fps, width, height, frame_count, container, video_codec, created_at) "
            "VALUES ('v', 'h', '/v.mp4', 1, 1, 1, 25, 2, 2, 1, 'mp4', 'h264', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        for run_id, analyzer, status in (
            ("r1", "scenes", "succeeded"),
            ("r2", "ocr", "succeeded"),
            ("r3", "faces", "failed"),
        ):
            connection.execute(
                text(
                    "INSERT INTO runs (run_id, video_id, analyzer, artifact_type, profile, "
                    "model_id, engine_version, config, config_hash, cache_key, status, attempts, "
                    "progress, artifact_count, queued_at, finished_at) VALUES (:run, 'v', "
                    ":analyzer, 't', 'fast', 'm', '1', '{}', 'c', :run, :status, 1, 1, 0, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"run": run_id, "analyzer": analyzer, "status": status},
            )
        for analyzer, status in (("scenes", "succeeded"), ("faces", "failed")):
            connection.execute(
                text(
                    "INSERT INTO analysis_history (at, video_id, analyzer, profile, action, "
                    "status) VALUES (CURRENT_TIMESTAMP, 'v', :analyzer, 'fast', "
                    "'auto_regenerate', :status)"
                ),
                {"analyzer": analyzer, "status": status},
            )

    upgrade(fresh.engine, "0005")

    assert current_revision(fresh.engine) == "0005"
    columns = {column["name"] for column in inspect(fresh.engine).get_columns("runs")}
    assert {"revision", "reason", "dismissed_at"} <= columns
    with fresh.engine.connect() as connection:
        [intent] = connection.execute(
            text("SELECT video_id, profile, intent_hash, requested_by FROM intents")
        ).all()
        history = connection.execute(
            text("SELECT id, status, reason FROM analysis_history ORDER BY status DESC")
        ).all()
    assert intent == ("v", "fast", intent_hash("v", "fast", ["ocr", "scenes"]), "cli")
    assert [(row.status, row.reason) for row in history] == [
        ("success", None), ("failure", None)
    ]  # fmt: skip
    assert all(len(row.id) == 36 for row in history)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with fresh.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    assert current_revision(fresh.engine) == "0003"
    assert "intents" not in inspect(fresh.engine).get_table_names()
    columns = {column["name"] for column in inspect(fresh.engine).get_columns("runs")}
    assert not {"revision", "reason", "dismissed_at"} & columns
