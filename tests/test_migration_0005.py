"""Migration 0005 on both databases: runs gain revision, reason and dismissal; what was
analyzed before becomes the intent of its (video, profile); history rows get UUIDs,
descriptors and success/failure; the downgrade restores revision 0003."""

from sqlalchemy import inspect, text

from pipeline.db.engine import Database
from pipeline.db.migrate import current_revision, upgrade
from pipeline.db.repositories.intents import intent_hash
from tests.test_migration_0003 import INSERT_VIDEO, downgrade, fresh  # noqa: F401 (fixture)


def test_0005_backfills_intents_and_rewrites_history(fresh: Database) -> None:  # noqa: F811
    upgrade(fresh.engine, "0003")
    with fresh.engine.begin() as connection:
        connection.execute(INSERT_VIDEO)
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

    downgrade(fresh, "0003")
    assert current_revision(fresh.engine) == "0003"
    assert "intents" not in inspect(fresh.engine).get_table_names()
    columns = {column["name"] for column in inspect(fresh.engine).get_columns("runs")}
    assert not {"revision", "reason", "dismissed_at"} & columns
