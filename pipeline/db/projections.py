"""Projection tables: query-friendly copies of payload fields, written in the same
transaction as their artifacts and deleted with them. Which fields an artifact type
projects is its analyzer's declaration (``Projection``); the tables are generic, so a new
artifact type needs no migration (docs/ARCHITECTURE.md, "Projections"):

- ``artifact_facets``: a label, a person and a confidence per artifact (jump by label,
  person and minimum confidence), for the types that project any of them;
- ``artifact_text``: the searchable text (find, jump with a query): the text as analyzed
  and its search text (``search_text``: folded and tokenized in Python), which is what is
  indexed. Dialect-specific (PostgreSQL: a table with a tsvector generated from the search
  text and one GIN on (run_id, tsv); SQLite: an FTS5 virtual table indexing the search text
  alone), so it lives in its own MetaData that migrations never create from; the Table
  object here describes only the columns we insert and read.
"""

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from pipeline.analysis.declarations import Projection
from pipeline.db.models import Base
from pipeline.db.search_text import search_text
from pipeline.errors import EiokuError
from schemas.base import MAX_INT32

MAX_LABEL_CHARS = 256
"""Longer labels are refused when projected: the same limit on both databases, and far
inside PostgreSQL's limit on an index entry."""

artifact_facets = Table(
    "artifact_facets",
    Base.metadata,
    Column(
        "artifact_id",
        String(32),
        ForeignKey("artifacts.artifact_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("asset_id", String(32), nullable=False),
    Column("run_id", String(32), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("label", Text, nullable=True),
    Column("person", Integer, nullable=True),
    Column("confidence", Float, nullable=True),
)
# Partial: a type that projects no label (or no person) costs its rows no entry there.
Index(
    "ix_artifact_facets_label",
    artifact_facets.c.asset_id,
    artifact_facets.c.label,
    artifact_facets.c.start_ms,
    postgresql_where=artifact_facets.c.label.isnot(None),
    sqlite_where=artifact_facets.c.label.isnot(None),
)
Index(
    "ix_artifact_facets_person",
    artifact_facets.c.asset_id,
    artifact_facets.c.person,
    artifact_facets.c.start_ms,
    postgresql_where=artifact_facets.c.person.isnot(None),
    sqlite_where=artifact_facets.c.person.isnot(None),
)

text_metadata = MetaData()
artifact_text = Table(
    "artifact_text",
    text_metadata,
    Column("artifact_id", String(32), primary_key=True),
    Column("asset_id", String(32)),
    Column("run_id", String(32)),
    Column("start_ms", BigInteger),
    Column("end_ms", BigInteger),
    Column("text", Text),
    Column("search_text", Text),
)

PROJECTION_TABLES: tuple[Table, ...] = (artifact_facets, artifact_text)


class ProjectionError(EiokuError, ValueError):
    """A projected field has a value the projection tables cannot hold; ``field`` is
    the payload path."""

    code = "invalid_output"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field, line=f"{field}: {message}")


def projection_rows(
    artifact: Mapping[str, Any], projection: Projection
) -> list[tuple[Table, dict[str, Any]]]:
    """The facet and text rows of one artifact row under its type's declared projection
    (ProjectionError for a value no table holds)."""
    payload = artifact["payload"]
    common = {
        "artifact_id": artifact["artifact_id"],
        "asset_id": artifact["asset_id"],
        "run_id": artifact["run_id"],
        "start_ms": artifact["span_start_ms"],
        "end_ms": artifact["span_end_ms"],
    }
    rows: list[tuple[Table, dict[str, Any]]] = []
    if projection.has_facets:
        rows.append((artifact_facets, {**common, **checked_facets(projection, payload)}))
    text = projection.text_of(payload)
    if text is not None:
        if not isinstance(text, str):
            raise ProjectionError(str(projection.text), "the projected text is not a string")
        rows.append((artifact_text, {**common, "text": text, "search_text": search_text(text)}))
    return rows


def checked_facets(projection: Projection, payload: Mapping[str, Any]) -> dict[str, Any]:
    facets = projection.facets(payload)
    label, person, confidence = facets["label"], facets["person"], facets["confidence"]
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL_CHARS):
        raise ProjectionError(
            str(projection.label), f"a label is a string of at most {MAX_LABEL_CHARS} characters"
        )
    if person is not None and (
        isinstance(person, bool) or not isinstance(person, int) or not 0 <= person <= MAX_INT32
    ):
        raise ProjectionError(str(projection.person), "a person is a whole number >= 0")
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not math.isfinite(confidence)
    ):
        raise ProjectionError(str(projection.confidence), "a confidence is a finite number")
    return facets
