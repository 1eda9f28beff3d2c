from sqlalchemy.orm import Session

from pipeline.db.models import AnalysisHistory, HistoryAction


class HistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        *,
        video_id: str,
        analyzer: str,
        profile: str,
        action: HistoryAction,
        status: str,
        run_id: str | None = None,
        duration_ms: int | None = None,
        detail: str | None = None,
    ) -> None:
        self.session.add(
            AnalysisHistory(
                video_id=video_id,
                analyzer=analyzer,
                profile=profile,
                action=action,
                status=status,
                run_id=run_id,
                duration_ms=duration_ms,
                detail=detail,
            )
        )
