"""Find text in transcripts and on-screen text. The user's string is parsed in Python
(``search_syntax``: words, phrases, prefixes, ``or``, exclusions; folded like the stored
search text, so case and accents never matter) and rendered for the database: PostgreSQL
matches ``to_tsquery`` against the generated tsvector of the selected run (one GIN on
(run_id, tsv)), SQLite an FTS5 query. The snippet is computed in Python from the original
text, for the returned page only (``snippets``). Any string the user types (quotes,
operators, SQL, unicode, NUL, 10 kB) gives results or nothing, never an error. Matches are
merged across sources (the kinds whose artifacts project text) in time order."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from pipeline.analysis.declarations import Produces
from pipeline.db.engine import connection_of
from pipeline.db.projections import artifact_text
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
from pipeline.query.kinds import Direction
from pipeline.query.search_syntax import SearchQuery, parse
from pipeline.query.snippets import snippet

TS_CONFIG = "simple"  # the text search configuration the tsvector is built with


@dataclass(frozen=True)
class TextMatch:
    video_id: str
    artifact_id: str
    source: str  # the jump kind of the artifact type the text is from
    start_ms: int
    end_ms: int
    text: str
    snippet: str
    run: AnsweringRun


def search_terms(query: SearchQuery, dialect: str) -> str:
    """What the database matches the text with: a ``to_tsquery`` string for PostgreSQL,
    an FTS5 query for SQLite."""
    return query.tsquery() if dialect == "postgresql" else query.fts5()


def text_match(table: Table, terms: ColumnElement[str], dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        tsvector = literal_column(f"{table.name}.tsv")
        return tsvector.op("@@")(func.to_tsquery(TS_CONFIG, terms))
    return literal_column(table.name).op("MATCH")(terms)


def find_text(
    reader: Session | Connection,
    manager: SelectionPolicyManager,
    video_id: str,
    q: str,
    sources: Sequence[Produces],
    *,
    direction: Direction = Direction.NEXT,
    from_ms: int | None = None,
    limit: int = 50,
    policy: SelectionPolicy | None = None,
) -> list[TextMatch]:
    """Matches in the artifacts of ``sources`` (types that project text), one statement
    per source; the snippets of the returned ones only."""
    query = parse(q)
    if not query.matches_anything:
        return []
    matches = [
        match
        for one in sources
        for match in _find_in(
            reader, manager, video_id, one, query, direction, from_ms, limit, policy
        )
    ]
    matches.sort(
        key=lambda match: (match.start_ms, match.artifact_id),
        reverse=direction is Direction.PREV,
    )
    return [replace(match, snippet=snippet(match.text, query)) for match in matches[:limit]]


def _find_in(
    reader: Session | Connection,
    manager: SelectionPolicyManager,
    video_id: str,
    source: Produces,
    query: SearchQuery,
    direction: Direction,
    from_ms: int | None,
    limit: int,
    policy: SelectionPolicy | None,
) -> list[TextMatch]:
    connection = connection_of(reader)
    dialect = connection.dialect.name
    artifact_type = source.artifact_type
    statement = _search_statement(
        artifact_type,
        dialect,
        direction,
        from_ms is not None,
        policy,
        manager.profile_order,
    )
    values = {
        "video_id": video_id,
        "terms": search_terms(query, dialect),
        "from_ms": from_ms,
        "limit": limit,
        CURRENT_REVISIONS: manager.current_revisions(artifact_type),
    }
    return [
        TextMatch(
            video_id,
            artifact_id,
            str(source.jump),
            int(start),
            int(end),
            text,
            "",  # the snippet, once the page is known
            manager.answering_run(artifact_type, *run),
        )
        for artifact_id, start, end, text, *run in connection.execute(statement, values)
    ]


@lru_cache(maxsize=256)
def _search_statement(
    artifact_type: str,
    dialect: str,
    direction: Direction,
    bounded: bool,
    policy: SelectionPolicy | None,
    profile_order: tuple[str, ...],
) -> Select[tuple[str, int, int, str, str, str, str | None, str]]:
    """The search of one source, its values left as bound parameters (video_id, terms,
    from_ms, limit, the current revisions): built once per shape, not per request, which
    spares each request the statement's construction and its SQLAlchemy cache key (CPU:
    docs/performance.md). The join to ``runs`` costs one primary-key lookup: the selected
    run."""
    table = artifact_text
    video_id = bindparam("video_id", type_=String)
    terms = bindparam("terms", type_=String)
    selected = policy_run_statement(
        video_id,
        artifact_type,
        policy,
        profile_order,
        current_revisions_param(),
    ).scalar_subquery()
    query = select(
        table.c.artifact_id, table.c.start_ms, table.c.end_ms, table.c.text,
        *ANSWERING_RUN_COLUMNS,
    ).join_from(table, ANSWERING_RUN, ANSWERING_RUN.run_id == table.c.run_id).where(
        text_match(table, terms, dialect),
        # no asset_id condition: the selected run is one of the video's. Stating it made
        # PostgreSQL intersect with the (asset, start) index (docs/performance.md).
        table.c.run_id == selected,
    )  # fmt: skip
    from_ms = bindparam("from_ms", type_=BigInteger)
    if direction is Direction.NEXT:
        if bounded:
            query = query.where(table.c.start_ms > from_ms)
        query = query.order_by(table.c.start_ms.asc(), table.c.artifact_id.asc())
    else:
        if bounded:
            query = query.where(table.c.start_ms < from_ms)
        query = query.order_by(table.c.start_ms.desc(), table.c.artifact_id.desc())
    return query.limit(bindparam("limit", type_=Integer))
