"""The cache diff: for each (video, profile), which requested descriptors are current,
missing or stale, and which cached ones are extraneous (docs/ARCHITECTURE.md, "Cache
diff"). Three set-based queries whatever the number of videos; each profile x analyzer
revision is computed once."""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import AnalysisInputError, ModelIdentity, UnknownProfileError
from pipeline.coordinator.cache_key import cache_key, profile_revision
from pipeline.db.repositories.cache import CachedResult, CacheRepository, VideoIdentity
from pipeline.db.repositories.intents import IntentRepository
from pipeline.errors import EiokuError, ErrorKind
from pipeline.taskqueue import queue_name


class DescriptorStatus(StrEnum):
    CURRENT = "current"
    MISSING = "missing"
    STALE = "stale"
    EXTRANEOUS = "extraneous"


NEEDS_REGENERATION = (DescriptorStatus.MISSING, DescriptorStatus.STALE)


@dataclass(frozen=True)
class Revision:
    """What one profile x analyzer computes with now."""

    analyzer: str
    engine_version: str
    model: ModelIdentity
    config: dict
    value: str

    def cache_key(self, content_hash: str) -> str:
        return cache_key(
            input_hash=content_hash,
            analyzer=self.analyzer,
            engine_version=self.engine_version,
            model=self.model,
            config=self.config,
        )


class ProfileBlockedError(EiokuError):
    """A profile x analyzer whose revision cannot be computed: the profile no longer
    exists, the analyzer is not installed, or its settings are no longer valid."""

    code = "profile_blocked"
    kind = ErrorKind.CONFLICT


class Revisions:
    """Current revisions, computed once per (analyzer, profile)."""

    def __init__(self, catalog: AnalyzerCatalog) -> None:
        self.catalog = catalog
        self._known: dict[tuple[str, str], Revision | ProfileBlockedError] = {}

    def get(self, analyzer: str, profile: str) -> Revision:
        key = (analyzer, profile)
        if key not in self._known:
            self._known[key] = self._compute(analyzer, profile)
        found = self._known[key]
        if isinstance(found, ProfileBlockedError):
            raise found
        return found

    def _compute(self, name: str, profile: str) -> Revision | ProfileBlockedError:
        try:
            analyzer = self.catalog.get(name)
            effective = self.catalog.effective_config(name, profile, {})
            model = analyzer.model_identity(effective)
        except UnknownProfileError:
            return ProfileBlockedError(blocked_message(profile))
        except (LookupError, ValueError, AnalysisInputError) as exc:
            return ProfileBlockedError(f"{name}/{profile}: {exc}")
        config = effective.model_dump(mode="json")
        value = profile_revision(
            analyzer=name, engine_version=analyzer.engine_version, model=model, config=config
        )
        return Revision(name, analyzer.engine_version, model, config, value)


def blocked_message(profile: str) -> str:
    return f"profile {profile!r} no longer exists; choose a replacement with --profile"


@dataclass(frozen=True)
class DescriptorState:
    descriptor: str
    status: DescriptorStatus
    last_analyzed_at: datetime | None
    run_id: str | None
    revision: str | None
    current_revision: str | None
    paused: bool = False


@dataclass(frozen=True)
class ProfileDiff:
    profile: str
    descriptors_requested: list[str]
    descriptors_cached: list[str]
    descriptors: list[DescriptorState]
    blocked: str | None = None

    def named(self, status: DescriptorStatus) -> list[str]:
        return [state.descriptor for state in self.descriptors if state.status is status]

    @property
    def summary(self) -> str:
        if self.blocked is not None:
            return f"Blocked: {self.blocked}."
        pending = len(self.named(DescriptorStatus.MISSING)) + len(
            self.named(DescriptorStatus.STALE)
        )
        extraneous = len(self.named(DescriptorStatus.EXTRANEOUS))
        lines = []
        if pending:
            verb = "requires" if pending == 1 else "require"
            lines.append(
                f"{_count(pending)} {verb} regeneration to match the {self.profile!r} profile."
            )
        if extraneous:
            verb = "is" if extraneous == 1 else "are"
            lines.append(f"{_count(extraneous)} {verb} cached but no longer requested.")
        return " ".join(lines) or f"All descriptors match the {self.profile!r} profile."


def _count(n: int) -> str:
    return f"{n} descriptor" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class VideoDiff:
    video_id: str
    path: str
    profiles: list[ProfileDiff] = field(default_factory=list)

    def keeping(self, statuses: Collection[DescriptorStatus]) -> "VideoDiff | None":
        """Only the descriptors in ``statuses`` (and the profiles that have some)."""
        kept = []
        for group in self.profiles:
            states = [state for state in group.descriptors if state.status in statuses]
            if states:
                kept.append(
                    ProfileDiff(
                        group.profile,
                        group.descriptors_requested,
                        group.descriptors_cached,
                        states,
                        group.blocked,
                    )
                )
        return VideoDiff(self.video_id, self.path, kept) if kept else None


def cache_diff(
    session: Session,
    catalog: AnalyzerCatalog,
    videos: list[VideoIdentity],
    paused_queues: Collection[str] = (),
    revisions: Revisions | None = None,
) -> list[VideoDiff]:
    """The diff of ``videos``, in their order."""
    revisions = revisions or Revisions(catalog)
    ids = [video.video_id for video in videos]
    requested: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for intent in IntentRepository(session).for_videos(ids):
        requested[intent.video_id][intent.profile] = list(intent.descriptors)
    cached: dict[str, dict[str, dict[str, list[CachedResult]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for result in CacheRepository(session).cached_results(ids):
        cached[result.video_id][result.profile][result.descriptor].append(result)
    return [
        VideoDiff(
            video.video_id,
            video.path,
            [
                _profile_diff(
                    video,
                    profile,
                    requested[video.video_id].get(profile, []),
                    cached[video.video_id].get(profile, {}),
                    revisions,
                    paused_queues,
                )
                for profile in sorted(set(requested[video.video_id]) | set(cached[video.video_id]))
            ],
        )
        for video in videos
    ]


def _profile_diff(
    video: VideoIdentity,
    profile: str,
    requested: list[str],
    cached: dict[str, list[CachedResult]],
    revisions: Revisions,
    paused_queues: Collection[str],
) -> ProfileDiff:
    blocked = None
    states = []
    for descriptor in sorted(set(requested) | set(cached)):
        results = cached.get(descriptor, [])
        latest = max(results, key=_finished, default=None)
        if descriptor not in requested:
            status, current, matching = DescriptorStatus.EXTRANEOUS, None, None
        else:
            try:
                current = revisions.get(descriptor, profile)
            except ProfileBlockedError as exc:
                blocked = blocked or str(exc)
                current = None
            matching = _matching(results, current, video.content_hash)
            if current is None or not results:
                status = DescriptorStatus.MISSING
            elif matching is None:
                status = DescriptorStatus.STALE
            else:
                status = DescriptorStatus.CURRENT
        shown = matching or latest
        states.append(
            DescriptorState(
                descriptor=descriptor,
                status=status,
                last_analyzed_at=latest.finished_at if latest else None,
                run_id=shown.run_id if shown else None,
                revision=shown.revision if shown else None,
                current_revision=current.value if current else None,
                paused=queue_name(descriptor) in paused_queues,
            )
        )
    return ProfileDiff(profile, sorted(requested), sorted(cached), states, blocked)


def _matching(
    results: Iterable[CachedResult], current: Revision | None, content_hash: str
) -> CachedResult | None:
    """The latest result computed under the current revision; a run from before
    revisions were recorded matches when its cache key is the one planned now."""
    if current is None:
        return None
    matching = [
        result
        for result in results
        if result.revision == current.value
        or (result.revision is None and result.cache_key == current.cache_key(content_hash))
    ]
    return max(matching, key=_finished, default=None)


def _finished(result: CachedResult) -> tuple[bool, datetime | None]:
    return (result.finished_at is not None, result.finished_at)


def diff_document(diff: VideoDiff) -> dict[str, Any]:
    """The stable JSON shape of a video's cache diff (docs/http-api.md, "Cache diff,
    regeneration and history")."""
    return {
        "video_id": diff.video_id,
        "path": diff.path,
        "profiles": [
            {
                "profile": group.profile,
                "blocked": group.blocked is not None,
                "message": group.blocked,
                "descriptors_requested": group.descriptors_requested,
                "descriptors_cached": group.descriptors_cached,
                "missing": group.named(DescriptorStatus.MISSING),
                "stale": group.named(DescriptorStatus.STALE),
                "extraneous": group.named(DescriptorStatus.EXTRANEOUS),
                "summary": group.summary,
                "descriptors": [
                    {
                        "descriptor": state.descriptor,
                        "status": state.status.value,
                        "last_analyzed_at": state.last_analyzed_at,
                        "run_id": state.run_id,
                        "revision": state.revision,
                        "current_revision": state.current_revision,
                        "paused": state.paused,
                    }
                    for state in group.descriptors
                ],
            }
            for group in diff.profiles
        ],
    }
