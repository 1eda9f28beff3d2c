"""Regeneration: exactly the runs a cache diff names, each with its reason, planned
like any other run — so two concurrent requests for one (video, profile, descriptor)
share one run (the unique index on active cache keys) while different videos proceed
independently. A failed regeneration is retried by asking again: its cache key has no
succeeded run, so a new run is planned."""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.cache_diff import (
    DescriptorStatus,
    ProfileBlockedError,
    Revisions,
    VideoDiff,
)
from pipeline.coordinator.export_lock import after_exports
from pipeline.coordinator.run_plans import PlannedRun, plan_spec, run_spec
from pipeline.coordinator.scene_inputs import SceneInputs
from pipeline.coordinator.timing import DEFAULT_TIMING, Timing
from pipeline.db.engine import Database
from pipeline.db.models import RegenerationReason, Video
from pipeline.db.repositories.intents import IntentRepository
from pipeline.errors import EiokuError, ErrorKind
from pipeline.settings import PROFILE_ORDER_DEFAULT

REASON_OF = {
    DescriptorStatus.MISSING: RegenerationReason.MISSING,
    DescriptorStatus.STALE: RegenerationReason.STALE,
    DescriptorStatus.CURRENT: RegenerationReason.MANUAL,
}


class RegenerationBlockedError(EiokuError):
    """A targeted intent's profile no longer exists; a replacement must be named."""

    code = "intent_blocked"
    kind = ErrorKind.CONFLICT

    def __init__(self, message: str) -> None:
        super().__init__(message, "profile")


@dataclass(frozen=True)
class RegenerationTarget:
    video_id: str
    profile: str
    descriptor: str
    reason: RegenerationReason


@dataclass(frozen=True)
class TargetFilter:
    only: Collection[DescriptorStatus] = (DescriptorStatus.MISSING, DescriptorStatus.STALE)
    descriptors: Collection[str] | None = None
    profile: str | None = None
    force: bool = False  # current descriptors too, as `manual`

    def statuses(self) -> set[DescriptorStatus]:
        return {*self.only, *((DescriptorStatus.CURRENT,) if self.force else ())}


def select_targets(diffs: Iterable[VideoDiff], wanted: TargetFilter) -> list[RegenerationTarget]:
    statuses = wanted.statuses()
    targets = []
    for diff in diffs:
        for group in diff.profiles:
            if wanted.profile is not None and group.profile != wanted.profile:
                continue
            for state in group.descriptors:
                if wanted.descriptors is not None and state.descriptor not in wanted.descriptors:
                    continue
                if state.status not in statuses:
                    continue
                if group.blocked is not None:
                    raise RegenerationBlockedError(f"video {diff.video_id}: {group.blocked}")
                reason = REASON_OF[state.status]
                targets.append(
                    RegenerationTarget(diff.video_id, group.profile, state.descriptor, reason)
                )
    return targets


def replace_blocked_intents(
    session: Session,
    catalog: AnalyzerCatalog,
    video_ids: Collection[str] | None,
    profile: str,
    who: str,
) -> int:
    """Move the descriptors of every blocked intent of these videos to ``profile``."""
    revisions = Revisions(catalog)
    intents = IntentRepository(session)
    moved = 0
    for intent in intents.for_videos(video_ids):
        if intent.profile != profile and _is_blocked(revisions, intent.profile, intent.descriptors):
            intents.replace_profile(intent, profile, who)
            moved += 1
    return moved


def _is_blocked(revisions: Revisions, profile: str, descriptors: Iterable[str]) -> bool:
    try:
        for descriptor in descriptors:
            revisions.get(descriptor, profile)
    except ProfileBlockedError:
        return True
    return False


def plan_regeneration(
    db: Database,
    catalog: AnalyzerCatalog,
    targets: Iterable[RegenerationTarget],
    *,
    home: Path,
    on_deferred: Callable[[str], None],
    timing: Timing = DEFAULT_TIMING,
    profile_order: Sequence[str] = PROFILE_ORDER_DEFAULT,
) -> list[PlannedRun]:
    """Plan the targets, one transaction per video, each video once no export of it is
    being written (``on_deferred`` tells when one is), with the scenes that exist now."""
    by_video: dict[str, list[RegenerationTarget]] = defaultdict(list)
    for target in targets:
        by_video[target.video_id].append(target)
    planned = []
    for video_id, video_targets in by_video.items():
        after_exports(home, video_id, on_deferred)
        with db.transaction() as session:
            video = session.get_one(Video, video_id)
            scenes = SceneInputs(session, catalog, video_id, profile_order)
            for target in video_targets:
                spec = run_spec(catalog, video, target.descriptor, target.profile, {}, scenes)
                planned.append(
                    plan_spec(
                        session,
                        video,
                        spec,
                        force=target.reason is RegenerationReason.MANUAL,
                        stale_after_s=timing.stale_after_s,
                        reason=target.reason,
                    )
                )
    return planned
