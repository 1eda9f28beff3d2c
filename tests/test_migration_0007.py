"""Migration 0007 on both databases: the GIN index on ``artifacts.payload`` (PostgreSQL
only) is dropped, the btree indexes stay, and the downgrade restores revision 0006."""

from sqlalchemy import inspect

from pipeline.db.engine import Database
from pipeline.db.migrate import current_revision, upgrade
from tests.test_migration_0003 import downgrade, fresh  # noqa: F401 (fixture)

GIN = "ix_artifacts_payload_gin"
BTREES = {
    "ix_artifacts_asset_type_start",
    "ix_artifacts_asset_type_profile_start",
    "ix_artifacts_run",
}


def artifact_indexes(db: Database) -> set[str]:
    return {index["name"] for index in inspect(db.engine).get_indexes("artifacts")}


def test_0007_drops_the_payload_gin_index(fresh: Database) -> None:  # noqa: F811
    on_postgresql = fresh.dialect == "postgresql"
    upgrade(fresh.engine, "0006")
    assert (GIN in artifact_indexes(fresh)) == on_postgresql

    upgrade(fresh.engine, "0007")

    assert current_revision(fresh.engine) == "0007"
    assert artifact_indexes(fresh) == BTREES

    downgrade(fresh, "0006")
    assert current_revision(fresh.engine) == "0006"
    assert artifact_indexes(fresh) == BTREES | ({GIN} if on_postgresql else set())
