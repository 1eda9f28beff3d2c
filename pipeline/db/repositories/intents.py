"""Intents: one per (video, profile), memoized by the hash of its content, so asking for
what is already intended writes nothing."""

from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.coordinator.cache_key import canonical_json, sha256_hex
from pipeline.db.models import Intent
from pipeline.db.types import utcnow

# Bound the parameters of one IN (...) list (SQLite allows 32766).
IN_CHUNK = 5000


def intent_hash(video_id: str, profile: str, descriptors: Iterable[str]) -> str:
    document = {"video": video_id, "profile": profile, "descriptors": sorted(set(descriptors))}
    return sha256_hex(canonical_json(document))


def chunks(values: Collection[str], size: int = IN_CHUNK) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class IntentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, video_id: str, profile: str, descriptors: Iterable[str], who: str) -> bool:
        """Add descriptors to the (video, profile) intent; False when nothing changed.
        The unchanged case (every cached re-analysis) costs one indexed row read."""
        wanted = set(descriptors)
        stored = self.session.execute(
            select(Intent.descriptors, Intent.intent_hash).where(
                Intent.video_id == video_id, Intent.profile == profile
            )
        ).first()
        if stored is not None:
            wanted |= set(stored.descriptors)
            if stored.intent_hash == intent_hash(video_id, profile, wanted):
                return False
        current = self.session.get(Intent, (video_id, profile))
        return self._store(current, video_id, profile, wanted, who)

    def declare(self, video_id: str, profile: str, descriptors: Iterable[str], who: str) -> bool:
        """Make the (video, profile) intent exactly ``descriptors``; False when unchanged."""
        current = self.session.get(Intent, (video_id, profile))
        return self._store(current, video_id, profile, set(descriptors), who)

    def replace_profile(self, intent: Intent, profile: str, who: str) -> None:
        """Move a blocked intent's descriptors to ``profile``."""
        self.add(intent.video_id, profile, intent.descriptors, who)
        self.session.delete(intent)
        self.session.flush()

    def _store(
        self, current: Intent | None, video_id: str, profile: str, wanted: set[str], who: str
    ) -> bool:
        digest = intent_hash(video_id, profile, wanted)
        if current is not None and current.intent_hash == digest:
            return False
        if current is None:
            current = Intent(video_id=video_id, profile=profile)
            self.session.add(current)
        current.descriptors = sorted(wanted)
        current.intent_hash = digest
        current.requested_by = who
        current.requested_at = utcnow()
        self.session.flush()
        return True

    def for_videos(self, video_ids: Collection[str] | None) -> list[Intent]:
        """Every intent of these videos (of all videos when None)."""
        query = select(Intent).order_by(Intent.video_id, Intent.profile)
        if video_ids is None:
            return list(self.session.scalars(query))
        found: list[Intent] = []
        for chunk in chunks(video_ids):
            found.extend(self.session.scalars(query.where(Intent.video_id.in_(chunk))))
        return found
