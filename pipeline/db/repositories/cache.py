"""What the cache diff reads and what dismissing and pruning write: set-based, a few
queries for any number of videos."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from pipeline.db.models import Artifact, Run, RunStatus, Video
from pipeline.db.repositories.artifacts import ArtifactRepository
from pipeline.db.repositories.intents import chunks
from pipeline.db.types import utcnow


@dataclass(frozen=True)
class CachedResult:
    """One succeeded, not dismissed run: a cached descriptor of a video under a profile."""

    video_id: str
    descriptor: str
    profile: str
    revision: str | None
    cache_key: str
    run_id: str
    finished_at: datetime | None


@dataclass(frozen=True)
class VideoIdentity:
    video_id: str
    path: str
    content_hash: str


class CacheRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def videos(
        self,
        video_ids: Collection[str] | None,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[VideoIdentity]:
        """These videos (every video when None), in id order, from after ``after``."""
        query = select(Video.video_id, Video.path, Video.content_hash).order_by(Video.video_id)
        if after is not None:
            query = query.where(Video.video_id > after)
        if limit is not None:
            query = query.limit(limit)
        return [VideoIdentity(*row) for row in self._rows(query, Video.video_id, video_ids)]

    def cached_results(self, video_ids: Collection[str] | None) -> list[CachedResult]:
        query = select(
            Run.video_id,
            Run.analyzer,
            Run.profile,
            Run.revision,
            Run.cache_key,
            Run.run_id,
            Run.finished_at,
        ).where(Run.status == RunStatus.SUCCEEDED, Run.dismissed_at.is_(None))
        return [CachedResult(*row) for row in self._rows(query, Run.video_id, video_ids)]

    def _rows(
        self, query: Select, column: object, video_ids: Collection[str] | None
    ) -> Iterable[tuple]:
        if video_ids is None:
            yield from self.session.execute(query)
            return
        for chunk in chunks(video_ids):
            yield from self.session.execute(query.where(column.in_(chunk)))  # type: ignore[attr-defined]

    def dismiss(self, video_id: str, descriptor: str, profile: str) -> int:
        """Mark the succeeded runs of (video, descriptor, profile) dismissed; their count."""
        result = self.session.execute(
            update(Run)
            .where(
                Run.video_id == video_id,
                Run.analyzer == descriptor,
                Run.profile == profile,
                Run.status == RunStatus.SUCCEEDED,
                Run.dismissed_at.is_(None),
            )
            .values(dismissed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def dismissed_counts(self) -> tuple[int, int]:
        """(dismissed runs that still have artifacts, their artifacts)."""
        query = (
            select(func.count(func.distinct(Artifact.run_id)), func.count())
            .select_from(Artifact)
            .join(Run, Run.run_id == Artifact.run_id)
            .where(Run.dismissed_at.is_not(None))
        )
        runs, artifacts = self.session.execute(query).one()
        return int(runs), int(artifacts)

    def prune_dismissed(self) -> int:
        """Delete the artifacts of dismissed runs, with their projections and embeddings;
        the runs stay, with no artifacts."""
        dismissed = self.session.scalars(
            select(Run).where(Run.dismissed_at.is_not(None), Run.artifact_count > 0)
        ).all()
        artifacts = ArtifactRepository(self.session)
        deleted = 0
        for run in dismissed:
            deleted += artifacts.delete_by_run(run.run_id)
            run.artifact_count = 0
        self.session.flush()
        return deleted
