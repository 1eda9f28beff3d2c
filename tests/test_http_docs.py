"""docs/http-api.md lists exactly the endpoints the app serves, each described by its
handler's docstring: an endpoint added without running `make docs` fails here."""

from typing import Any

import pytest
from fastapi import FastAPI

from tests.support.http_docs import (
    BEGIN,
    END,
    HTTP_DOC,
    Endpoint,
    endpoint_table,
    served_openapi,
    undocumented,
    with_table,
)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return served_openapi()


def test_the_endpoint_table_is_the_served_one(openapi: dict[str, Any]) -> None:
    document = HTTP_DOC.read_text(encoding="utf-8")
    assert with_table(document, endpoint_table(openapi)) == document, (
        "docs/http-api.md lists other endpoints than the app serves: run `make docs`"
    )


def test_every_endpoint_has_a_description(openapi: dict[str, Any]) -> None:
    assert undocumented(openapi) == []


def test_every_served_path_is_in_the_table(openapi: dict[str, Any]) -> None:
    document = HTTP_DOC.read_text(encoding="utf-8")
    table = document.partition(BEGIN)[2].partition(END)[0]
    assert "/v1/videos/{video_id}/frame-selection" in table
    for path in openapi["paths"]:
        assert f"`{path}`" in table


def _with_throwaway_endpoint(openapi: dict[str, Any], docstring: str | None) -> dict[str, Any]:
    """The served document plus one endpoint, as a new route would add it."""
    extra = FastAPI()

    def throwaway() -> dict[str, str]:
        return {}

    throwaway.__doc__ = docstring
    extra.get("/v1/throwaway")(throwaway)
    return {**openapi, "paths": {**openapi["paths"], **extra.openapi()["paths"]}}


def test_an_endpoint_added_without_regenerating_fails_the_check(openapi: dict[str, Any]) -> None:
    document = HTTP_DOC.read_text(encoding="utf-8")
    grown = _with_throwaway_endpoint(openapi, "A new endpoint. With details.")
    regenerated = with_table(document, endpoint_table(grown))
    assert regenerated != document
    assert "| GET | `/v1/throwaway` | A new endpoint. |" in regenerated
    assert undocumented(grown) == []


def test_an_endpoint_without_a_docstring_is_named(openapi: dict[str, Any]) -> None:
    assert undocumented(_with_throwaway_endpoint(openapi, None)) == ["GET /v1/throwaway"]
    assert undocumented(_with_throwaway_endpoint(openapi, "  \n ")) == ["GET /v1/throwaway"]


@pytest.mark.parametrize(
    ("description", "summary"),
    [
        ("One video.", "One video."),
        ("One video. 404 when unknown.", "One video."),
        ("Frames\n  as displayed.\nSecond.", "Frames as displayed."),
        ("Uses e.g. jump. Then `code` follows.", "Uses e.g. jump."),
        ("Version 1.5 of it. Next", "Version 1.5 of it."),
        ("no full stop at all", "no full stop at all"),
    ],
)
def test_the_summary_is_the_first_sentence(description: str, summary: str) -> None:
    assert Endpoint("GET", "/x", description).summary == summary


def test_a_pipe_in_a_summary_does_not_split_the_row() -> None:
    openapi = {"paths": {"/x": {"get": {"description": "kind=scene|face."}}}}
    assert endpoint_table(openapi).splitlines()[-1] == "| GET | `/x` | kind=scene\\|face. |"


@pytest.mark.parametrize(
    "document",
    [
        "no markers at all",
        f"only the start {BEGIN}",
        f"only the end {END}",
        f"{END} reversed {BEGIN}",
        f"{BEGIN} twice {BEGIN} {END}",
        f"{BEGIN} {END} twice {END}",
    ],
)
def test_a_document_without_its_markers_is_refused(document: str) -> None:
    with pytest.raises(ValueError):
        with_table(document, "| table |")


def test_only_the_text_between_the_markers_is_replaced() -> None:
    document = f"# Title\n\nbefore\n{BEGIN}\nold | rows\n{END}\nafter\n"
    assert with_table(document, "NEW") == f"# Title\n\nbefore\n{BEGIN}\nNEW\n{END}\nafter\n"
