"""Shared by the bench scripts: a throw-away PostgreSQL database."""

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.db.engine import normalize_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"


@contextmanager
def temporary_database(admin_url: str = DEFAULT_ADMIN_URL) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, and always drop it afterwards."""
    name = f"eioku_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(normalize_url(admin_url)).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped temporary database {name}", file=sys.stderr)
    finally:
        admin.dispose()
