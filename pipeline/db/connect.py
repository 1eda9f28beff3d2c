"""Open the configured database, making sure its schema is current."""

from pipeline.db.engine import Database
from pipeline.db.migrate import ensure_schema
from pipeline.settings import Settings


def open_database(settings: Settings) -> Database:
    """The embedded SQLite default migrates itself; a server database must have been
    migrated with `eioku db upgrade` (SchemaOutOfDateError says so otherwise)."""
    db = Database.from_url(settings.database_url)
    ensure_schema(db.engine, migrate=settings.is_embedded_database)
    return db
