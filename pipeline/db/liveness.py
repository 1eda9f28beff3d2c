"""Making sure a pooled PostgreSQL connection is alive before it is used, without a round
trip on each checkout.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every checkout: a round trip and two
process wake-ups per request. A server that restarts, or terminates a backend, sends an
error message and closes the socket, which makes the idle connection's socket readable; a
healthy idle connection has nothing to read. So the socket is polled without waiting, and
only a readable one is pinged. A failed ping raises ``DisconnectionError``, on which the
pool discards the connection and checks out another (docs/ARCHITECTURE.md, "Request
path"). A peer that vanishes without closing (a cut cable) is not seen here, as it was not
by the ping either: the query then waits for TCP to give up."""

import select
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError


def has_input(dbapi_connection: Any) -> bool:
    """Whether the server has sent anything (or closed) since the last query ended."""
    poller = select.poll()  # not select.select: it cannot watch descriptors past 1023
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def check_pooled_connections(engine: Engine) -> None:
    """Ping a connection at checkout only when its socket says something happened."""

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or has_input(dbapi_connection):
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as exc:
                raise DisconnectionError(f"pooled connection is gone: {exc}") from exc

    event.listen(engine, "checkout", on_checkout)
