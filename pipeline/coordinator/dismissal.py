"""Dismissing an extraneous cache entry: it leaves the diff (its runs are marked, never
deleted) and the history records it, in one transaction."""

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.cache_diff import DescriptorStatus, cache_diff
from pipeline.db.models import HistoryAction, HistoryStatus
from pipeline.db.repositories import HistoryRepository
from pipeline.db.repositories.cache import CacheRepository
from pipeline.errors import EiokuError, ErrorKind


class NotExtraneousError(EiokuError, ValueError):
    """Only a cached entry that is no longer requested can be dismissed."""

    code = "not_extraneous"
    kind = ErrorKind.CONFLICT

    def __init__(self, message: str) -> None:
        super().__init__(message, "descriptor")


def dismiss_extraneous(
    session: Session, catalog: AnalyzerCatalog, video_id: str, descriptor: str, profile: str
) -> int:
    """Dismiss (video, descriptor, profile); the number of runs dismissed."""
    cache = CacheRepository(session)
    [diff] = cache_diff(session, catalog, cache.videos([video_id]))
    states = {
        (group.profile, state.descriptor): state.status
        for group in diff.profiles
        for state in group.descriptors
    }
    status = states.get((profile, descriptor))
    if status is not DescriptorStatus.EXTRANEOUS:
        found = f"it is {status.value}" if status else "nothing is cached"
        raise NotExtraneousError(
            f"{descriptor!r} of profile {profile!r} is not extraneous for video {video_id} "
            f"({found}); only an entry cached but no longer requested can be dismissed"
        )
    dismissed = cache.dismiss(video_id, descriptor, profile)
    HistoryRepository(session, catalog.settings.history_retention).record(
        video_id=video_id,
        descriptors=[descriptor],
        profile=profile,
        action=HistoryAction.DISMISSED,
        status=HistoryStatus.SUCCESS,
        detail=f"{dismissed} runs dismissed",
    )
    return dismissed
