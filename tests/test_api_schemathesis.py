"""schemathesis against /openapi.json on SQLite and PostgreSQL, with a little data
seeded: no request makes the server fail, and every response matches the schema."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from pipeline.api import create_app
from pipeline.db.engine import Database
from pipeline.settings import Settings
from tests.support.api import seed_video, settings_for


def _load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema, read once from an app on a throwaway database; each test then sends
    its requests to an app on the test's own database (`db`: SQLite and PostgreSQL)."""
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), database_url=f"sqlite:///{home}/schema.db")
        app = create_app(settings)
        try:
            return schemathesis.openapi.from_asgi("/openapi.json", app)
        finally:
            app.state.eioku.close()


schema = _load_schema()


@pytest.fixture
def app(db: Database, tmp_path: Path) -> Iterator[FastAPI]:
    seed_video(db, video_id="0123456789abcdef")
    app = create_app(settings_for(db, tmp_path / "home", allowed_roots=(tmp_path.resolve(),)))
    yield app
    app.state.eioku.close()


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case, app: FastAPI) -> None:
    # Schema-valid but contradictory parameters (a label filter on scenes, mode pinned
    # without a run id) are 422 by design: OpenAPI cannot express those rules.
    case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance])
