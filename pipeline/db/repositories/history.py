"""The analysis history, bounded: each write prunes all but the newest ``retention``
entries in the same transaction, never the entry it has just written."""

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.db.models import AnalysisHistory, HistoryAction, HistoryStatus, RegenerationReason
from pipeline.db.types import utcnow


class HistoryRepository:
    def __init__(self, session: Session, retention: int | None = None) -> None:
        """``retention``: the entries kept (``Settings.history_retention``) by a writer;
        None for a reader, which prunes nothing."""
        self.session = session
        self.retention = retention

    def record(
        self,
        *,
        video_id: str,
        descriptors: Sequence[str],
        profile: str,
        action: HistoryAction,
        status: HistoryStatus,
        reason: RegenerationReason | None = None,
        run_id: str | None = None,
        duration_ms: int | None = None,
        detail: str | None = None,
    ) -> AnalysisHistory:
        retention = self.retention
        if retention is None:
            raise TypeError("HistoryRepository needs the retention to write")
        entry = AnalysisHistory(
            id=str(uuid.uuid4()),
            at=utcnow(),
            video_id=video_id,
            action=action,
            descriptors=sorted(descriptors),
            profile=profile,
            reason=reason,
            status=status,
            run_id=run_id,
            duration_ms=duration_ms,
            detail=detail,
        )
        self.session.add(entry)
        self.session.flush()
        self._prune(keep=entry.id, retention=retention)
        return entry

    def _prune(self, keep: str, retention: int) -> None:
        newest = (
            select(AnalysisHistory.id)
            .order_by(AnalysisHistory.at.desc(), AnalysisHistory.id.desc())
            .limit(retention)
        )
        self.session.execute(
            delete(AnalysisHistory)
            .where(AnalysisHistory.id != keep, AnalysisHistory.id.not_in(newest.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )

    def entries(self, video_id: str | None = None, limit: int = 100) -> list[AnalysisHistory]:
        """Newest first."""
        query = select(AnalysisHistory).order_by(
            AnalysisHistory.at.desc(), AnalysisHistory.id.desc()
        )
        if video_id is not None:
            query = query.where(AnalysisHistory.video_id == video_id)
        return list(self.session.scalars(query.limit(limit)))

    def video_summary(self, video_id: str) -> dict[str, Any]:
        """What ``<video id>.analysis-history.json`` holds for one video: counts and every
        entry kept."""
        entries = self.entries(video_id, limit=self.retention)
        return {
            "video_id": video_id,
            "total": len(entries),
            "by_action": dict(Counter(entry.action for entry in entries)),
            "failures": sum(entry.status == HistoryStatus.FAILURE for entry in entries),
            "last_at": entries[0].at if entries else None,
            "entries": [entry_document(entry) for entry in entries],
        }


def entry_document(entry: AnalysisHistory) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "video_id": entry.video_id,
        "action": entry.action,
        "descriptors": entry.descriptors,
        "profile": entry.profile,
        "reason": entry.reason,
        "status": entry.status,
        "duration_ms": entry.duration_ms,
        "run_id": entry.run_id,
        "detail": entry.detail,
    }
