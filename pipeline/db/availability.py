"""Telling "the database server cannot be reached" apart from other database errors, and
naming where it was looked for without revealing credentials."""

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


def database_location(url: str) -> str:
    """``host:port`` of a server database, the file of an SQLite one; never the password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "an invalid database URL"
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.database or ":memory:"
    port = parsed.port or DEFAULT_PORTS.get(backend)
    return f"{parsed.host or 'localhost'}:{port}" if port else parsed.host or "localhost"


def is_unavailable(exc: BaseException) -> bool:
    """The server did not answer (refused, closed, timed out), as opposed to a query it
    rejected: SQLAlchemy reports both as OperationalError, only the former invalidates
    the connection or happens while connecting."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError) and _while_connecting(exc)


def _while_connecting(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return any(
        hint in message
        for hint in ("connect", "server closed", "terminating", "timeout", "unable to open")
    )
