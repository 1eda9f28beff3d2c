"""Intents: one per (video, profile), memoized by the hash of its content, so asking for
what is already intended writes nothing."""

from collections.abc import Collection, Iterable

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.canonical import canonical_json, sha256_hex
from pipeline.db.models import Intent
from pipeline.db.types import utcnow

# Bound the parameters of one IN (...) list (SQLite allows 32766).
IN_CHUNK = 5000
WRITE_ATTEMPTS = 10


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
        return self._write(video_id, profile, set(descriptors), who, merge=True)

    def declare(self, video_id: str, profile: str, descriptors: Iterable[str], who: str) -> bool:
        """Make the (video, profile) intent exactly ``descriptors``; False when unchanged."""
        return self._write(video_id, profile, set(descriptors), who, merge=False)

    def includes(self, video_id: str, profile: str, descriptors: Iterable[str]) -> bool:
        """Whether ``add`` of these descriptors would write nothing."""
        stored = self._stored(video_id, profile)
        if stored is None:
            return False
        wanted = set(descriptors) | set(stored.descriptors)
        return bool(stored.intent_hash == intent_hash(video_id, profile, wanted))

    def _stored(self, video_id: str, profile: str) -> Row[tuple[list[str], str]] | None:
        return self.session.execute(
            select(Intent.descriptors, Intent.intent_hash).where(
                Intent.video_id == video_id, Intent.profile == profile
            )
        ).first()

    def replace_profile(self, intent: Intent, profile: str, who: str) -> None:
        """Move a blocked intent's descriptors to ``profile``."""
        self.add(intent.video_id, profile, intent.descriptors, who)
        self.session.delete(intent)
        self.session.flush()

    def _write(
        self, video_id: str, profile: str, given: set[str], who: str, *, merge: bool
    ) -> bool:
        """Compare-and-set on the intent hash, so concurrent requests (ten submissions of
        one file) neither fail on the primary key nor lose each other's descriptors."""
        for _ in range(WRITE_ATTEMPTS):
            stored = self._stored(video_id, profile)
            wanted = given | set(stored.descriptors) if merge and stored else given
            digest = intent_hash(video_id, profile, wanted)
            if stored is not None and stored.intent_hash == digest:
                return False
            values = {
                "descriptors": sorted(wanted),
                "intent_hash": digest,
                "requested_by": who,
                "requested_at": utcnow(),
            }
            if stored is None and self._insert(video_id, profile, values):
                return True
            if stored is not None and self._update(video_id, profile, stored.intent_hash, values):
                return True
        raise RuntimeError(f"intent of {video_id}/{profile} kept changing under this request")

    def _insert(self, video_id: str, profile: str, values: dict[str, object]) -> bool:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(Intent).values(video_id=video_id, profile=profile, **values)
                )
        except IntegrityError:
            return False  # inserted concurrently: read it and merge
        return True

    def _update(
        self, video_id: str, profile: str, seen_hash: str, values: dict[str, object]
    ) -> bool:
        result = self.session.execute(
            update(Intent)
            .where(
                Intent.video_id == video_id,
                Intent.profile == profile,
                Intent.intent_hash == seen_hash,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def for_videos(self, video_ids: Collection[str] | None) -> list[Intent]:
        """Every intent of these videos (of all videos when None)."""
        query = select(Intent).order_by(Intent.video_id, Intent.profile)
        if video_ids is None:
            return list(self.session.scalars(query))
        found: list[Intent] = []
        for chunk in chunks(video_ids):
            found.extend(self.session.scalars(query.where(Intent.video_id.in_(chunk))))
        return found
