"""Which failures are worth retrying: the database or the broker being unreachable is
transient; bad input and analyzer bugs are not."""

from kombu.exceptions import OperationalError as BrokerUnreachableError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # connection refused/lost, server shutting down, database locked
    InterfaceError,
    BrokerUnreachableError,
)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, TRANSIENT_ERRORS)
