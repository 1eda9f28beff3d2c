"""Find text in transcripts and on-screen text. PostgreSQL: ``websearch_to_tsquery`` over
the generated tsvector of the selected run (one GIN on (run_id, tsv)), ``ts_headline`` for
the snippet, which PostgreSQL evaluates after the sort and limit: for the returned page
only (docs/ARCHITECTURE.md, "Request path"). SQLite: FTS5 MATCH with every
word of the user's string quoted, ``snippet()`` for the highlight. Any string the user
types (quotes, operators, SQL, unicode, NUL, 10 kB) gives results or nothing, never an
error. Matches are merged across sources (the kinds whose artifacts project text) in time order."""

from collections.abc import Sequence
from dataclasses import dataclass
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

MARK_START, MARK_END = "<mark>", "</mark>"
SNIPPET_WORDS = 24
TS_CONFIG = "simple"  # the text search configuration the migration indexed with


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


MAX_TERMS = 32  # beyond this, ts_headline's cost explodes and no search gets better


def sanitized(q: str) -> str:
    """The user's string without NUL (no database accepts it in text), its words
    de-duplicated and capped at MAX_TERMS, so a 10 kB string costs what a sentence does."""
    words = q.replace("\x00", " ").split()
    return " ".join(list(dict.fromkeys(words))[:MAX_TERMS])


def has_terms(q: str) -> bool:
    return bool(sanitized(q))


def fts5_query(q: str) -> str:
    """Each word as a quoted FTS5 string (quotes doubled): operators and syntax in the
    user's string are plain text; the words are ANDed."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in q.split())


def search_terms(q: str, dialect: str) -> str:
    """What the database matches the text with: the sanitized words, which PostgreSQL's
    ``websearch_to_tsquery`` parses, or for SQLite an FTS5 query."""
    q = sanitized(q)
    return q if dialect == "postgresql" else fts5_query(q)


def text_match(table: Table, terms: ColumnElement[str], dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        tsvector = literal_column(f"{table.name}.tsv")
        return tsvector.op("@@")(func.websearch_to_tsquery(TS_CONFIG, terms))
    return literal_column(table.name).op("MATCH")(terms)


def _snippet(table: Table, terms: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=5"
        return func.ts_headline(
            TS_CONFIG, table.c.text, func.websearch_to_tsquery(TS_CONFIG, terms), options
        )
    return func.snippet(literal_column(table.name), 0, MARK_START, MARK_END, "…", SNIPPET_WORDS)


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
    per source."""
    if not has_terms(q):
        return []
    matches = [
        match
        for one in sources
        for match in _find_in(reader, manager, video_id, one, q, direction, from_ms, limit, policy)
    ]
    matches.sort(
        key=lambda match: (match.start_ms, match.artifact_id),
        reverse=direction is Direction.PREV,
    )
    return matches[:limit]


def _find_in(
    reader: Session | Connection,
    manager: SelectionPolicyManager,
    video_id: str,
    source: Produces,
    q: str,
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
        "terms": search_terms(q, dialect),
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
            snippet,
            manager.answering_run(artifact_type, *run),
        )
        for artifact_id, start, end, text, snippet, *run in connection.execute(statement, values)
    ]


@lru_cache(maxsize=256)
def _search_statement(
    artifact_type: str,
    dialect: str,
    direction: Direction,
    bounded: bool,
    policy: SelectionPolicy | None,
    profile_order: tuple[str, ...],
) -> Select[tuple[str, int, int, str, str, str, str, str | None, str]]:
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
        _snippet(table, terms, dialect), *ANSWERING_RUN_COLUMNS,
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
