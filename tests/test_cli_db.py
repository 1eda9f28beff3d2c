"""`eioku db upgrade` and what commands say when a server database was never migrated."""

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.db.engine import Database
from pipeline.db.migrate import current_revision, head_revision


def invoke(database_url: str | None, home: Path, *args: str) -> Result:
    """``database_url`` None runs with no EIOKU_DATABASE_URL at all: the embedded default."""
    env = {"EIOKU_DATABASE_URL": database_url, "EIOKU_HOME": str(home)}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_unmigrated_postgresql_is_refused_until_db_upgrade(
    empty_postgresql_url: str, tmp_path: Path
) -> None:
    refused = invoke(empty_postgresql_url, tmp_path, "status")
    assert refused.exit_code == 1
    assert "run `eioku db upgrade`" in refused.stderr

    upgraded = invoke(empty_postgresql_url, tmp_path, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "up to date" in upgraded.stdout
    db = Database.from_url(empty_postgresql_url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()

    assert invoke(empty_postgresql_url, tmp_path, "db", "upgrade").exit_code == 0  # idempotent
    after = invoke(empty_postgresql_url, tmp_path, "status")
    assert (after.exit_code, after.stdout.strip()) == (0, "no videos analyzed yet")


def test_embedded_sqlite_migrates_itself_on_first_use(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = invoke(None, home, "status")
    assert result.exit_code == 0, result.stderr
    assert (home / "eioku.db").is_file()
    db = Database.from_url(f"sqlite:///{home / 'eioku.db'}")
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()
