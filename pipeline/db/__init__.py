"""Storage: SQLAlchemy models, migrations, engine/session setup, repositories."""
