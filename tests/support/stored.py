"""Direct reads of stored artifacts that only tests need (the application reads them through
the selection policy)."""

from array import array
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.db.engine import Database
from pipeline.db.models import Artifact, ArtifactEmbedding, Run


def stored_embeddings(session: Session, artifact_ids: Sequence[str]) -> dict[str, list[float]]:
    """The embedding vectors stored beside these artifacts, by artifact id."""
    query = select(ArtifactEmbedding).where(ArtifactEmbedding.artifact_id.in_(artifact_ids))
    return {row.artifact_id: array("f", row.vector).tolist() for row in session.scalars(query)}


def artifact_count(session: Session, run_id: str) -> int:
    query = select(func.count()).select_from(Artifact).where(Artifact.run_id == run_id)
    return session.scalar(query) or 0


def analyzer_rows(db: Database, analyzer: str) -> list[tuple[object, ...]]:
    """Every column of every artifact and run of an analyzer: a snapshot to compare."""
    with db.sessions() as session:
        artifacts = session.scalars(
            select(Artifact)
            .join(Run)
            .where(Run.analyzer == analyzer)
            .order_by(Artifact.artifact_id)
        )
        rows = [tuple(getattr(a, c.key) for c in Artifact.__table__.columns) for a in artifacts]
        runs = session.scalars(select(Run).where(Run.analyzer == analyzer).order_by(Run.run_id))
        return rows + [tuple(getattr(r, c.key) for c in Run.__table__.columns) for r in runs]
