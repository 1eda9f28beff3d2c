"""Artifacts (the envelope table) and their projections."""

from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, or_, select
from sqlalchemy.orm import Session

from pipeline.analysis.vocabulary import Vocabulary
from pipeline.db.bulk import bulk_insert
from pipeline.db.models import Artifact, ArtifactEmbedding, Run, RunStatus, SelectionMode
from pipeline.db.projections import PROJECTION_TABLES, ProjectionError, projection_rows
from pipeline.db.repositories.run_selection import SelectionPolicy, SelectionPolicyManager
from pipeline.errors import EiokuError
from schemas import (
    ENVELOPE_FIELDS,
    ArtifactEnvelope,
    PayloadValidationError,
    SchemaNotFoundError,
)


class ArtifactBatchError(EiokuError, ValueError):
    """An item of a batch is invalid; nothing of the batch was written."""

    code = "invalid_output"

    def __init__(self, index: int, artifact_type: str, field: str, message: str) -> None:
        line = f"artifact #{index} ({artifact_type}): field {field!r}: {message}"
        super().__init__(message, field, line=line)
        self.index, self.artifact_type = index, artifact_type


def _embedding_rows(
    envelopes: Sequence[ArtifactEnvelope], embeddings: Mapping[str, Sequence[float]]
) -> list[dict[str, Any]]:
    by_id = {envelope.artifact_id: envelope for envelope in envelopes}
    unknown = set(embeddings) - set(by_id)
    if unknown:
        raise ValueError(f"embeddings for artifacts not in the batch: {sorted(unknown)[:3]}")
    return [
        {
            "artifact_id": artifact_id,
            "asset_id": by_id[artifact_id].asset_id,
            "run_id": by_id[artifact_id].run_id,
            "dimensions": len(vector),
            "vector": array("f", vector).tobytes(),
        }
        for artifact_id, vector in embeddings.items()
    ]


def _to_envelope(row: Artifact) -> ArtifactEnvelope:
    return ArtifactEnvelope.model_validate({name: getattr(row, name) for name in ENVELOPE_FIELDS})


class ArtifactRepository:
    """Reads and deletes artifacts; writing needs the ``vocabulary`` of the artifact types
    (their schemas and projections)."""

    def __init__(
        self,
        session: Session,
        selection: SelectionPolicyManager | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.session = session
        self.selection = selection or SelectionPolicyManager(session)
        self.vocabulary = vocabulary

    def batch_create(
        self,
        envelopes: Sequence[ArtifactEnvelope],
        embeddings: Mapping[str, Sequence[float]] | None = None,
    ) -> int:
        """Validate every payload and insert all artifacts, their projection rows and their
        embeddings (by artifact id) with set-based inserts, in a savepoint of the caller's
        transaction. Payloads are validated while the artifact rows stream to the database
        (docs/ARCHITECTURE.md, "Bulk ingest"). Any invalid item: the savepoint is rolled
        back, so nothing of the batch is written, the caller's transaction stays usable, and
        ArtifactBatchError names the item's index and field."""
        if not envelopes:
            return 0
        if self.vocabulary is None:
            raise TypeError("ArtifactRepository needs the vocabulary to write artifacts")
        vectors = _embedding_rows(envelopes, embeddings or {})
        projected: dict[Table, list[dict[str, Any]]] = {}
        with self.session.begin_nested():
            rows = self._validate_into(projected, envelopes, self.vocabulary)
            bulk_insert(self.session, Artifact.__table__, rows)
            for table, projection in projected.items():
                bulk_insert(self.session, table, projection)
            bulk_insert(self.session, ArtifactEmbedding.__table__, vectors)
        return len(envelopes)

    def _validate_into(
        self,
        projected: dict[Table, list[dict[str, Any]]],
        envelopes: Sequence[ArtifactEnvelope],
        vocabulary: Vocabulary,
    ) -> Iterator[dict[str, Any]]:
        """Yield each envelope's validated row, keeping its projection rows in
        ``projected``."""
        for index, envelope in enumerate(envelopes):
            row = self._validated_row(index, envelope, vocabulary)
            projection = vocabulary.projection(envelope.artifact_type)
            if projection is not None:
                try:
                    for table, projection_row in projection_rows(row, projection):
                        projected.setdefault(table, []).append(projection_row)
                except ProjectionError as exc:
                    raise ArtifactBatchError(
                        index, envelope.artifact_type, f"payload.{exc.field}", exc.message
                    ) from exc
            yield row

    def _validated_row(
        self, index: int, envelope: ArtifactEnvelope, vocabulary: Vocabulary
    ) -> dict[str, Any]:
        try:
            payload = vocabulary.registry.validate(
                envelope.artifact_type, envelope.schema_version, envelope.payload
            )
        except PayloadValidationError as exc:
            raise ArtifactBatchError(index, exc.artifact_type, exc.field, exc.message) from exc
        except SchemaNotFoundError as exc:
            raise ArtifactBatchError(
                index, envelope.artifact_type, "artifact_type", str(exc)
            ) from exc
        start, end = payload.span_ms()
        if (start, end) != (envelope.span_start_ms, envelope.span_end_ms):
            raise ArtifactBatchError(
                index,
                envelope.artifact_type,
                "span_start_ms",
                f"envelope span {envelope.span_start_ms}..{envelope.span_end_ms} differs "
                f"from the payload's {start}..{end}",
            )
        row = {name: getattr(envelope, name) for name in ENVELOPE_FIELDS}  # faster than model_dump
        row["payload"] = payload.model_dump(mode="json")
        return row

    def get(self, artifact_id: str) -> ArtifactEnvelope | None:
        """One artifact by id, whichever run it belongs to (no selection policy)."""
        row = self.session.get(Artifact, artifact_id)
        return None if row is None else _to_envelope(row)

    def get_by_asset(
        self,
        asset_id: str,
        *,
        artifact_type: str | None = None,
        from_ms: int | None = None,
        to_ms: int | None = None,
        overlap: bool = False,
        profile: str | None = None,
        run_id: str | None = None,
        selection: SelectionPolicy | None = None,
        limit: int | None = None,
    ) -> list[ArtifactEnvelope]:
        """Artifacts of one asset in the window [from_ms, to_ms], in time order: those whose
        start lies in it, or with ``overlap`` those whose span [start, end] meets it (both
        ends included, so an instant at either end of the window counts).

        Which run counts: ``run_id`` if given, else the latest run of ``profile`` if
        given, else ``selection`` if given, else each type's stored policy."""
        return self.page_by_asset(
            asset_id,
            after=None,
            limit=limit,
            artifact_type=artifact_type,
            from_ms=from_ms,
            to_ms=to_ms,
            overlap=overlap,
            profile=profile,
            run_id=run_id,
            selection=selection,
        )

    def page_by_asset(
        self,
        asset_id: str,
        *,
        after: tuple[int, str] | None,
        limit: int | None,
        artifact_type: str | None = None,
        from_ms: int | None = None,
        to_ms: int | None = None,
        overlap: bool = False,
        profile: str | None = None,
        run_id: str | None = None,
        selection: SelectionPolicy | None = None,
    ) -> list[ArtifactEnvelope]:
        """One page of ``get_by_asset``: the first ``limit`` artifacts after the keyset
        position ``after`` = (span_start_ms, artifact_id) of the previous page's last one."""
        if from_ms is not None and to_ms is not None and from_ms > to_ms:
            return []  # an empty window: nothing starts in it, nothing overlaps it
        query = self._scoped(asset_id, artifact_type, profile, run_id, selection)
        if from_ms is not None:
            # an overlapping span ends at or after the window's start
            reaches = Artifact.span_end_ms if overlap else Artifact.span_start_ms
            query = query.where(reaches >= from_ms)
        if to_ms is not None:
            query = query.where(Artifact.span_start_ms <= to_ms)
        if after is not None:
            start, artifact_id = after
            query = query.where(
                or_(
                    Artifact.span_start_ms > start,
                    and_(Artifact.span_start_ms == start, Artifact.artifact_id > artifact_id),
                )
            )
        return self._fetch(query, limit)

    def delete_by_run(self, run_id: str) -> int:
        """Delete a run's artifacts with their projection rows and embeddings."""
        ids = select(Artifact.artifact_id).where(Artifact.run_id == run_id)
        for table in (*PROJECTION_TABLES, ArtifactEmbedding.__table__):
            # FTS5 tables cannot cascade, so every side table is cleared explicitly
            self.session.execute(delete(table).where(table.c.artifact_id.in_(ids)))
        result = self.session.execute(delete(Artifact).where(Artifact.run_id == run_id))
        return result.rowcount  # type: ignore[attr-defined,no-any-return]

    def _scoped(
        self,
        asset_id: str,
        artifact_type: str | None,
        profile: str | None,
        run_id: str | None,
        selection: SelectionPolicy | None,
    ) -> Any:
        query = select(Artifact).where(Artifact.asset_id == asset_id)
        if artifact_type is not None:
            query = query.where(Artifact.artifact_type == artifact_type)
        if run_id is not None:
            return query.where(Artifact.run_id == run_id)
        if profile is not None:
            selection = SelectionPolicy(SelectionMode.PROFILE, preferred_profile=profile)
        types = [artifact_type] if artifact_type else self._types_with_runs(asset_id)
        return query.where(self.selection.artifact_condition(asset_id, types, selection))

    def _types_with_runs(self, asset_id: str) -> list[str]:
        query = (
            select(Run.artifact_type)
            .where(Run.video_id == asset_id, Run.status == RunStatus.SUCCEEDED)
            .distinct()
        )
        return sorted(self.session.scalars(query))

    def _fetch(self, query: Any, limit: int | None) -> list[ArtifactEnvelope]:
        query = query.order_by(Artifact.span_start_ms, Artifact.artifact_id)
        if limit is not None:
            query = query.limit(limit)
        return [_to_envelope(row) for row in self.session.scalars(query)]
