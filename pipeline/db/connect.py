"""Open the configured database, making sure its schema is current."""

from pipeline.db.engine import Database
from pipeline.db.migrate import UnusableDatabaseError, ensure_schema
from pipeline.settings import Settings


def open_database(settings: Settings) -> Database:
    """The embedded SQLite default migrates itself; a server database must have been
    migrated with `eioku db upgrade` (SchemaOutOfDateError says so otherwise). A database
    that cannot be used is an UnusableDatabaseError naming the variable that names it."""
    try:
        db = Database.from_url(settings.database_url)
        ensure_schema(db.engine, migrate=settings.is_embedded_database)
    except UnusableDatabaseError as exc:
        raise UnusableDatabaseError(f"{settings.database_variable}: {exc}") from None
    return db
