"""Eioku's errors: every error class of the runtime packages derives from EiokuError, and
one error answered by the API's one handler and by the CLI's guard comes out as its kind
says (status and error shape; one `error:` line and exit code)."""

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline.analysis.catalog import UnknownAnalyzerError
from pipeline.api.errors import install_error_handlers
from pipeline.cli.guard import GuardedGroup
from pipeline.coordinator.dismissal import NotExtraneousError
from pipeline.db.migrate import SchemaOutOfDateError
from pipeline.db.repositories import RunNotFoundError
from pipeline.errors import EiokuError
from pipeline.media.errors import MediaError
from pipeline.query.kinds import QueryParameterError
from pipeline.settings import SettingsError

ROOT = Path(__file__).resolve().parent.parent
# schemas/ imports nothing of pipeline/: its payload errors reach users as ArtifactBatchError
RUNTIME_PACKAGES = ("pipeline", "workers")


def _defined_classes() -> Iterator[tuple[str, str]]:
    """(module, class name) of every top-level class of the runtime packages."""
    for package in RUNTIME_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ClassDef) and node.bases:
                    yield module, node.name


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for module, name in _defined_classes():
        defined = getattr(importlib.import_module(module), name)
        if isinstance(defined, type) and issubclass(defined, BaseException):
            found.append(defined)
    return found


def test_every_error_class_of_the_runtime_packages_is_an_eioku_error() -> None:
    classes = _exception_classes()
    assert MediaError in classes and SettingsError in classes  # the walk sees them
    # an interrupt (Ctrl-C, SIGTERM) is not an error: it stops the process
    errors = [cls for cls in classes if issubclass(cls, Exception)]
    assert [cls.__qualname__ for cls in errors if not issubclass(cls, EiokuError)] == []


@dataclass(frozen=True)
class Answered:
    error: EiokuError
    status: int
    code: str
    field: str | None
    message: str
    exit_code: int


CASES = {
    "a filter that does not apply": Answered(
        QueryParameterError("label", "does not apply to kind scene"),
        422,
        "invalid_parameter",
        "label",
        "label: does not apply to kind scene",
        2,
    ),
    "an unknown analyzer": Answered(
        UnknownAnalyzerError("logos", ["faces", "scenes"]),
        422,
        "invalid_parameter",
        "analyzers",
        "unknown analyzer 'logos' (known: faces, scenes)",
        2,
    ),
    "a file that is no video": Answered(
        MediaError("no_video_stream", "clip.wav has no video stream"),
        422,
        "no_video_stream",
        None,
        "clip.wav has no video stream",
        1,
    ),
    "an unknown run": Answered(
        RunNotFoundError("r1"), 404, "run_not_found", "run_id", "no run with id 'r1'", 1
    ),
    "an entry that is not extraneous": Answered(
        NotExtraneousError("'scenes' of profile 'fast' is not extraneous"),
        409,
        "not_extraneous",
        "descriptor",
        "'scenes' of profile 'fast' is not extraneous",
        1,
    ),
    "a schema behind the code": Answered(
        SchemaOutOfDateError("run `eioku db upgrade`"),
        503,
        "schema_out_of_date",
        None,
        "run `eioku db upgrade`",
        1,
    ),
    "an unusable setting": Answered(
        SettingsError("EIOKU_STALE_AFTER='abc' is not a number"),
        500,
        "internal_error",
        None,
        "unexpected server error",  # the API tells a client nothing of its configuration
        1,
    ),
}


def _api_raising(error: EiokuError) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fails")
    def fails() -> None:
        raise error

    return app


def _cli_raising(error: EiokuError) -> typer.Typer:
    app = typer.Typer(cls=GuardedGroup, pretty_exceptions_enable=False)

    @app.callback()
    def group() -> None:
        pass

    @app.command()
    def fails() -> None:
        raise error

    return app


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_eioku_error_is_answered_by_its_kind_in_the_api(case: Answered) -> None:
    with TestClient(_api_raising(case.error), raise_server_exceptions=False) as client:
        response = client.get("/fails")
    assert response.status_code == case.status
    expected = {"code": case.code, "message": case.message, "field": case.field}
    assert response.json() == {"error": expected}
    assert ("Retry-After" in response.headers) == (case.status == 503)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_eioku_error_is_one_line_in_the_cli(case: Answered) -> None:
    result = CliRunner().invoke(_cli_raising(case.error), ["fails"])
    assert result.exit_code == case.exit_code
    assert result.stderr == f"error: {case.error}\n"
    assert "Traceback" not in result.output
