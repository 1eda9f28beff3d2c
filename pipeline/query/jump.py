"""Jump to the next or previous artifact of a kind: next = the smallest start strictly
after ``from_ms``, prev = the greatest start strictly before it, so jumping again from the
returned start moves on. Every artifact starting at that instant is returned, by id.

Filters on labels and face clusters go through their projection tables (indexed by
asset, label/cluster, start); everything else through ``artifacts`` (indexed by asset,
type, start). The selection policy picks one run per (video, type) inside the SQL."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, FromClause, select, tuple_
from sqlalchemy.orm import Session

from pipeline.db.models import Artifact
from pipeline.db.projections import face_clusters, object_labels, place_labels
from pipeline.db.repositories.selection import SelectionPolicy, SelectionPolicyManager
from pipeline.query.find import has_terms, text_match_condition, text_table
from pipeline.query.kinds import (
    ARTIFACT_TYPE_OF_KIND,
    Direction,
    JumpKind,
    QueryParameterError,
    TextSource,
)

LABEL_TABLES = {JumpKind.OBJECT: object_labels, JumpKind.PLACE: place_labels}
TEXT_SOURCE_OF_KIND = {JumpKind.TRANSCRIPT: TextSource.TRANSCRIPT, JumpKind.OCR: TextSource.OCR}


@dataclass(frozen=True)
class JumpTarget:
    video_id: str
    start_ms: int
    end_ms: int
    artifact_ids: list[str]


@dataclass(frozen=True)
class JumpFilters:
    label: str | None = None
    face_cluster_id: int | None = None
    min_confidence: float | None = None


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


def jump(
    session: Session,
    manager: SelectionPolicyManager,
    video_id: str,
    kind: JumpKind,
    direction: Direction,
    from_ms: int,
    filters: JumpFilters = JumpFilters(),
    policy: SelectionPolicy | None = None,
) -> JumpTarget | None:
    scope = candidate_scope(kind, filters)
    artifact_type = ARTIFACT_TYPE_OF_KIND[kind]
    selected = manager.selected_run_query(
        video_id, artifact_type, policy or manager.get_policy(video_id, artifact_type)
    ).scalar_subquery()
    conditions = [scope.asset_id == video_id, scope.run_id == selected, *scope.conditions]
    beyond = scope.start > from_ms if direction is Direction.NEXT else scope.start < from_ms
    order = scope.start.asc() if direction is Direction.NEXT else scope.start.desc()
    target = session.scalar(
        select(scope.start).select_from(scope.source).where(*conditions, beyond)
        .order_by(order).limit(1)
    )  # fmt: skip
    if target is None:
        return None
    return _target_at(session, scope, conditions, video_id, target)


def jump_global(
    session: Session,
    manager: SelectionPolicyManager,
    kind: JumpKind,
    direction: Direction,
    from_video_id: str | None,
    from_ms: int,
    filters: JumpFilters = JumpFilters(),
    query: str | None = None,
    limit: int = 10,
    policy: SelectionPolicy | None = None,
) -> list[JumpTarget]:
    """The next (or previous) ``limit`` instants across all videos, in (video id, start)
    order, each video's artifacts chosen by ``policy`` (default: the default policy)."""
    if query is not None and not has_terms(query):
        return []
    scope = candidate_scope(kind, filters, query=query, dialect=session.get_bind().dialect.name)
    artifact_type = ARTIFACT_TYPE_OF_KIND[kind]
    selected = manager.selected_run_query(
        scope.asset_id, artifact_type, policy or manager.get_default_policy()
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
    instants = session.execute(
        select(scope.asset_id, scope.start).select_from(scope.source).where(*conditions)
        .group_by(scope.asset_id, scope.start).order_by(*ordering).limit(limit)
    ).all()  # fmt: skip
    return [
        _target_at(session, scope, [*conditions, scope.asset_id == video_id], video_id, start)
        for video_id, start in instants
    ]


def _target_at(
    session: Session,
    scope: Scope,
    conditions: list[ColumnElement[bool]],
    video_id: str,
    start: int,
) -> JumpTarget:
    rows = session.execute(
        select(scope.artifact_id, scope.end).select_from(scope.source)
        .where(*conditions, scope.start == start).order_by(scope.artifact_id)
    ).all()  # fmt: skip
    return JumpTarget(video_id, start, max(end for _, end in rows), [row[0] for row in rows])


def candidate_scope(
    kind: JumpKind,
    filters: JumpFilters,
    *,
    query: str | None = None,
    dialect: str | None = None,
) -> Scope:
    _check(kind, filters, query)
    if query is not None:
        table = text_table(TEXT_SOURCE_OF_KIND[kind])
        return Scope(
            table, table.c.artifact_id, table.c.asset_id, table.c.run_id, table.c.start_ms,
            table.c.end_ms, [text_match_condition(table, query, dialect or "postgresql")],
        )  # fmt: skip
    if kind in LABEL_TABLES and (filters.label is not None or filters.min_confidence is not None):
        table = LABEL_TABLES[kind]
        conditions = []
        if filters.label is not None:
            conditions.append(table.c.label == filters.label)
        if filters.min_confidence is not None:
            conditions.append(table.c.confidence >= filters.min_confidence)
        return Scope(
            table, table.c.artifact_id, table.c.asset_id, table.c.run_id, table.c.start_ms,
            table.c.start_ms, conditions,
        )  # fmt: skip
    if kind is JumpKind.FACE and filters.face_cluster_id is not None:
        table = face_clusters
        source = table.join(Artifact, Artifact.artifact_id == table.c.artifact_id)
        conditions = [table.c.cluster_id == filters.face_cluster_id]
        conditions += _payload_confidence(filters)
        return Scope(
            source, table.c.artifact_id, table.c.asset_id, table.c.run_id, table.c.start_ms,
            table.c.start_ms, conditions,
        )  # fmt: skip
    conditions = [Artifact.artifact_type == ARTIFACT_TYPE_OF_KIND[kind]]
    conditions += _payload_confidence(filters)
    return Scope(
        Artifact.__table__, Artifact.artifact_id, Artifact.asset_id, Artifact.run_id,
        Artifact.span_start_ms, Artifact.span_end_ms, conditions,
    )  # fmt: skip


def _payload_confidence(filters: JumpFilters) -> list[ColumnElement[bool]]:
    if filters.min_confidence is None:
        return []
    return [Artifact.payload["confidence"].as_float() >= filters.min_confidence]


def _check(kind: JumpKind, filters: JumpFilters, query: str | None) -> None:
    if filters.label is not None and kind not in LABEL_TABLES:
        raise QueryParameterError("label", "applies to kind object or place")
    if filters.face_cluster_id is not None and kind is not JumpKind.FACE:
        raise QueryParameterError("face_cluster_id", "applies to kind face")
    if filters.min_confidence is not None and kind in (JumpKind.SCENE, JumpKind.FRAME):
        raise QueryParameterError("min_confidence", f"{kind.value} artifacts have no confidence")
    if query is not None and kind not in TEXT_SOURCE_OF_KIND:
        raise QueryParameterError("query", "applies to kind transcript or ocr")
