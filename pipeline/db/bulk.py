"""Set-based inserts: PostgreSQL gets COPY on the session's own connection (so it stays in
the caller's transaction); other dialects get one executemany INSERT.

``rows`` may be a lazy iterable. PostgreSQL consumes it while the COPY runs, so the server
stores rows while the caller is still producing (e.g. validating) the next ones; an
exception raised by the iterable aborts the COPY and with it the transaction, so a caller
that must survive that inserts inside a savepoint (``ArtifactRepository.batch_create``).
Other dialects read every row before inserting any."""

from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

from pydantic_core import to_json
from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session


def bulk_insert(session: Session, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    remaining = iter(rows)
    first = next(remaining, None)
    if first is None:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), [first, *remaining])
        return
    columns = [(name, isinstance(table.c[name].type, JSON)) for name in first]
    column_list = ", ".join(f'"{name}"' for name, _ in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
        for row in chain((first,), remaining):
            # pydantic-core's encoder is faster than json.dumps; like it, it writes NaN,
            # which PostgreSQL rejects
            copy.write_row(
                [to_json(row[name]).decode() if is_json else row[name] for name, is_json in columns]
            )
