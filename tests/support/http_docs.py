"""The endpoint table of docs/http-api.md, generated from the app's OpenAPI document, so
the documented endpoints cannot drift from the served ones.

    .venv/bin/python -m tests.support.http_docs          # exit 1 when the table is stale
    .venv/bin/python -m tests.support.http_docs --write  # rewrite it in place (make docs)

The table lies between two marker comments; the rest of the file is written by hand. Each
row is an operation's method, path and the first sentence of its description (the
handler's docstring)."""

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from pipeline.api import create_app
from pipeline.files import atomic_write_bytes
from pipeline.settings import Settings

HTTP_DOC = Path(__file__).resolve().parents[2] / "docs" / "http-api.md"
BEGIN = "<!-- endpoints: generated from the OpenAPI document by `make docs`; do not edit -->"
END = "<!-- endpoints: end -->"
# the keys of an OpenAPI path item that are operations (the others: parameters, servers, ...)
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# a sentence ends at a full stop followed by a space and a capital, a digit or code
SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z0-9`])")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    description: str

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def summary(self) -> str:
        """The description's first sentence, on one line."""
        one_line = " ".join(self.description.split())
        return SENTENCE_END.split(one_line, maxsplit=1)[0]


def endpoints(openapi: Mapping[str, Any]) -> list[Endpoint]:
    """Every operation of the document, in its order (the app's order of routes)."""
    return [
        Endpoint(method.upper(), path, (operation.get("description") or "").strip())
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def undocumented(openapi: Mapping[str, Any]) -> list[str]:
    """The operations without a description: their handler has no docstring."""
    return [endpoint.name for endpoint in endpoints(openapi) if not endpoint.description]


def endpoint_table(openapi: Mapping[str, Any]) -> str:
    rows = [
        f"| {endpoint.method} | `{endpoint.path}` | {_cell(endpoint.summary)} |"
        for endpoint in endpoints(openapi)
    ]
    return "\n".join(["| method | path | summary |", "|---|---|---|", *rows])


def with_table(document: str, table: str) -> str:
    """``document`` with ``table`` between the markers (ValueError unless each marker is
    there exactly once, BEGIN first)."""
    if document.count(BEGIN) != 1 or document.count(END) != 1:
        raise ValueError(f"the document needs each marker exactly once: {BEGIN} ... {END}")
    head, _, rest = document.partition(BEGIN)
    if END not in rest:
        raise ValueError(f"{END} comes before {BEGIN}")
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def served_openapi() -> dict[str, Any]:
    """The OpenAPI document of the app as `eioku serve` builds it, on a throwaway home."""
    with TemporaryDirectory(prefix="eioku-http-docs-") as home:
        settings = Settings(home=Path(home), database_url=f"sqlite:///{home}/eioku.db")
        app = create_app(settings)
        try:
            return app.openapi()
        finally:
            app.state.eioku.close()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the table in place")
    args = parser.parse_args(argv)
    openapi = served_openapi()
    missing = undocumented(openapi)
    if missing:
        print(f"error: no docstring (description): {', '.join(missing)}", file=sys.stderr)
        return 1
    document = HTTP_DOC.read_text(encoding="utf-8")
    try:
        current = with_table(document, endpoint_table(openapi))
    except ValueError as exc:
        print(f"error: {HTTP_DOC}: {exc}", file=sys.stderr)
        return 1
    if current == document:
        print(f"{HTTP_DOC} is current")
        return 0
    if args.write:
        atomic_write_bytes(HTTP_DOC, current.encode("utf-8"))
        print(f"rewrote the endpoint table of {HTTP_DOC}")
        return 0
    print(f"error: the endpoint table of {HTTP_DOC} is stale: run `make docs`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
