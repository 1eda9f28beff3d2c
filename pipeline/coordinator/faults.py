"""Which failures are worth retrying: the database or the broker being unreachable is
transient; bad input and analyzer bugs are not."""

import sys

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # connection refused/lost, server shutting down, database locked
    InterfaceError,
)


def broker_unreachable(error: BaseException) -> bool:
    """kombu's error for a broker that does not answer. Told without importing kombu: a
    process that never loaded it (embedded analysis) cannot be holding one of its errors."""
    kombu = sys.modules.get("kombu.exceptions")
    return kombu is not None and isinstance(error, kombu.OperationalError)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, TRANSIENT_ERRORS) or broker_unreachable(error)
