"""Alembic environment: runs migrations on the connection handed over by pipeline.db.migrate."""

from alembic import context

from pipeline.db.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
