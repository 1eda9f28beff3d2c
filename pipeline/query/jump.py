"""Jump to the next or previous artifact of a kind: next = the smallest start strictly
after ``from_ms``, prev = the greatest start strictly before it, so jumping again from the
returned start moves on. Every artifact starting at that instant is returned, by id,
with the run they come from.

What a kind moves through and which filters apply are the declaration of the artifact
type behind it (``Produces``). Filters on labels and persons go through the facet table
(indexed by asset, label/person, start), a minimum confidence alone through ``artifacts``
(indexed by asset, type, start) joined to it, a text query through the text table;
everything else through ``artifacts``. The selection policy picks one run per (video,
type) inside the SQL."""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    bindparam,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from pipeline.analysis.declarations import Filter, Produces
from pipeline.db.engine import connection_of
from pipeline.db.models import Artifact
from pipeline.db.projections import artifact_facets, artifact_text
from pipeline.db.repositories.run_selection import (
    ANSWERING_RUN,
    ANSWERING_RUN_COLUMNS,
    CURRENT_REVISIONS,
    AnsweringRun,
    SelectionPolicy,
    SelectionPolicyManager,
    current_revisions_param,
    policy_run_statement,
)
from pipeline.query.find import search_terms, text_match
from pipeline.query.kinds import Direction, QueryParameterError
from pipeline.query.search_syntax import SearchQuery, parse
from pipeline.query.snippets import snippet


@dataclass(frozen=True)
class MatchedText:
    """The text of an artifact a text query matched, and its snippet (as find's)."""

    artifact_id: str
    text: str
    snippet: str


@dataclass(frozen=True)
class JumpTarget:
    video_id: str
    start_ms: int
    end_ms: int
    artifact_ids: list[str]
    run: AnsweringRun
    texts: list[MatchedText] | None = None  # with a text query: each artifact's, in order


@dataclass(frozen=True)
class FilterShape:
    """Which filters a query compares with: statements are built once per shape, the
    values go in as bound parameters (``JumpFilters.values``)."""

    label: bool = False
    face_cluster_id: bool = False
    min_confidence: bool = False
    text: bool = False


@dataclass(frozen=True)
class JumpFilters:
    label: str | None = None
    face_cluster_id: int | None = None
    min_confidence: float | None = None

    def shape(self, *, text: bool = False) -> FilterShape:
        return FilterShape(
            self.label is not None,
            self.face_cluster_id is not None,
            self.min_confidence is not None,
            text,
        )

    def values(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "face_cluster_id": self.face_cluster_id,
            "min_confidence": self.min_confidence,
        }


@dataclass
class Scope:
    """Where candidates come from and the columns to read them by."""

    source: FromClause
    artifact_id: Any
    asset_id: Any
    run_id: Any
    start: Any
    end: Any
    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    text: Any = None  # the text column, when the candidates are texts


def jump(
    reader: Session | Connection,
    manager: SelectionPolicyManager,
    video_id: str,
    kind: Produces,
    direction: Direction,
    from_ms: int,
    filters: JumpFilters = JumpFilters(),
    policy: SelectionPolicy | None = None,
) -> JumpTarget | None:
    """``kind``: the declaration of the artifact type the jump kind moves through."""
    check_filters(kind, filters, None)
    statement = _jump_statement(kind, filters.shape(), direction, policy, manager.profile_order)
    artifact_type = kind.artifact_type
    values = {
        "video_id": video_id,
        "from_ms": from_ms,
        CURRENT_REVISIONS: manager.current_revisions(artifact_type),
        **filters.values(),
    }
    rows = connection_of(reader).execute(statement, values).all()
    if not rows:
        return None
    return JumpTarget(
        video_id,
        rows[0][1],
        max(row[2] for row in rows),
        [row[0] for row in rows],
        manager.answering_run(artifact_type, *rows[0][3:]),
    )


@lru_cache(maxsize=256)
def _jump_statement(
    kind: Produces,
    shape: FilterShape,
    direction: Direction,
    policy: SelectionPolicy | None,
    profile_order: tuple[str, ...],
) -> Select[tuple[str, int, int, str, str, str | None, str]]:
    """Every candidate at the first instant beyond ``from_ms``, in one statement: the
    instant is a scalar subquery. Built once per shape with its values left as bound
    parameters (video_id, from_ms, the current revisions and the filters), like find's
    statements. The join to ``runs`` costs one primary-key lookup: the selected run."""
    scope = candidate_scope(kind, shape)
    video_id = bindparam("video_id", type_=String)
    # A CTE, not the subquery twice: the statement stays under the length up to which
    # psycopg caches its parsing of a statement (4096 bytes; docs/ARCHITECTURE.md).
    selected_run = policy_run_statement(
        video_id,
        kind.artifact_type,
        policy,
        profile_order,
        current_revisions_param(),
    ).cte("selected_run")
    selected = select(selected_run.c.run_id).scalar_subquery()
    conditions = [scope.asset_id == video_id, scope.run_id == selected, *scope.conditions]
    from_ms = bindparam("from_ms", type_=BigInteger)
    beyond = scope.start > from_ms if direction is Direction.NEXT else scope.start < from_ms
    order = scope.start.asc() if direction is Direction.NEXT else scope.start.desc()
    instant = (
        select(scope.start).select_from(scope.source).where(*conditions, beyond)
        .order_by(order).limit(1).scalar_subquery()
    )  # fmt: skip
    return (
        select(scope.artifact_id, scope.start, scope.end, *ANSWERING_RUN_COLUMNS)
        .select_from(scope.source.join(ANSWERING_RUN, ANSWERING_RUN.run_id == scope.run_id))
        .where(*conditions, scope.start == instant).order_by(scope.artifact_id)
    )  # fmt: skip


def jump_global(
    reader: Session | Connection,
    manager: SelectionPolicyManager,
    kind: Produces,
    direction: Direction,
    from_video_id: str | None,
    from_ms: int,
    filters: JumpFilters = JumpFilters(),
    query: str | None = None,
    limit: int = 10,
    policy: SelectionPolicy | None = None,
) -> list[JumpTarget]:
    """The next (or previous) ``limit`` instants across all videos, in (video id, start)
    order, each video's artifacts chosen by ``policy`` (default: the default policy). With
    a text ``query`` (find's syntax), each target carries its artifacts' texts and
    snippets."""
    check_filters(kind, filters, query)
    parsed = None if query is None else parse(query)
    if parsed is not None and not parsed.matches_anything:
        return []
    connection = connection_of(reader)
    dialect = connection.dialect.name
    scope = candidate_scope(kind, filters.shape(text=parsed is not None), dialect)
    values = filters.values()
    if parsed is not None:
        values["terms"] = search_terms(parsed, dialect)
    selected = manager.selected_run_query(
        scope.asset_id, kind.artifact_type, policy or manager.get_default_policy()
    ).scalar_subquery()
    conditions = [scope.run_id == selected, *scope.conditions]
    position = tuple_(scope.asset_id, scope.start)
    if from_video_id is not None:
        after = position > tuple_(from_video_id, from_ms)
        before = position < tuple_(from_video_id, from_ms)
        conditions.append(after if direction is Direction.NEXT else before)
    ordering = (
        (scope.asset_id.asc(), scope.start.asc())
        if direction is Direction.NEXT
        else (scope.asset_id.desc(), scope.start.desc())
    )
    instants = connection.execute(
        select(scope.asset_id, scope.start).select_from(scope.source).where(*conditions)
        .group_by(scope.asset_id, scope.start).order_by(*ordering).limit(limit),
        values,
    ).all()  # fmt: skip
    return [
        _target_at(
            connection,
            manager,
            kind.artifact_type,
            scope,
            [*conditions, scope.asset_id == video_id],
            values,
            start,
            parsed,
        )
        for video_id, start in instants
    ]


def _target_at(
    connection: Connection,
    manager: SelectionPolicyManager,
    artifact_type: str,
    scope: Scope,
    conditions: list[ColumnElement[bool]],
    values: dict[str, Any],
    start: int,
    query: SearchQuery | None,
) -> JumpTarget:
    texts = [] if scope.text is None else [scope.text]
    rows = connection.execute(
        select(scope.asset_id, scope.artifact_id, scope.end, *texts, *ANSWERING_RUN_COLUMNS)
        .select_from(scope.source.join(ANSWERING_RUN, ANSWERING_RUN.run_id == scope.run_id))
        .where(*conditions, scope.start == start).order_by(scope.artifact_id),
        values,
    ).all()  # fmt: skip
    matched = (
        None
        if query is None
        else [MatchedText(row[1], row[3], snippet(row[3], query)) for row in rows]
    )
    return JumpTarget(
        rows[0][0],
        start,
        max(row[2] for row in rows),
        [row[1] for row in rows],
        manager.answering_run(artifact_type, *rows[0][3 + len(texts) :]),
        matched,
    )


def candidate_scope(kind: Produces, shape: FilterShape, dialect: str = "postgresql") -> Scope:
    """The candidates of ``kind`` under the filters of ``shape``, compared with the bound
    parameters ``label``, ``face_cluster_id``, ``min_confidence`` and (text) ``terms``."""
    if shape.text:
        table = artifact_text
        return Scope(
            table, table.c.artifact_id, table.c.asset_id, table.c.run_id, table.c.start_ms,
            table.c.end_ms, [text_match(table, bindparam("terms", type_=String), dialect)],
            table.c.text,
        )  # fmt: skip
    facets = artifact_facets
    confidence = (
        [facets.c.confidence >= bindparam("min_confidence", type_=Float)]
        if shape.min_confidence
        else []
    )
    if shape.label or shape.face_cluster_id:
        conditions = list(confidence)
        if shape.label:
            conditions.append(facets.c.label == bindparam("label", type_=String))
        if shape.face_cluster_id:
            conditions.append(facets.c.person == bindparam("face_cluster_id", type_=Integer))
        return Scope(
            facets, facets.c.artifact_id, facets.c.asset_id, facets.c.run_id, facets.c.start_ms,
            facets.c.end_ms, conditions,
        )  # fmt: skip
    conditions = [Artifact.artifact_type == kind.artifact_type, *confidence]
    source: FromClause = Artifact.__table__
    if shape.min_confidence:
        source = source.join(facets, facets.c.artifact_id == Artifact.artifact_id)
    return Scope(
        source, Artifact.artifact_id, Artifact.asset_id, Artifact.run_id,
        Artifact.span_start_ms, Artifact.span_end_ms, conditions,
    )  # fmt: skip


FILTER_FIELDS = {
    Filter.LABEL: ("label", "label"),
    Filter.PERSON: ("face_cluster_id", "person"),
    Filter.CONFIDENCE: ("min_confidence", "confidence"),
}


def check_filters(kind: Produces, filters: JumpFilters, query: str | None) -> None:
    """QueryParameterError for a filter the kind's artifacts do not project."""
    given = {
        Filter.LABEL: filters.label,
        Filter.PERSON: filters.face_cluster_id,
        Filter.CONFIDENCE: filters.min_confidence,
    }
    projected = kind.projects.filters
    for name, value in given.items():
        if value is not None and name not in projected:
            field, noun = FILTER_FIELDS[name]
            raise QueryParameterError(field, f"{kind.jump} artifacts have no {noun}")
    if query is not None and Filter.TEXT not in projected:
        raise QueryParameterError("query", f"{kind.jump} artifacts have no text")
