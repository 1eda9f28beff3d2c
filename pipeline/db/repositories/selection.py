"""Selection policies: which run's artifacts count when several runs of one
(asset, artifact type) exist. Applied inside SQL queries as a run-id condition.

Modes (docs/ARCHITECTURE.md, "Selection policies"):
- ``latest``: the succeeded run that finished last.
- ``profile``: the latest succeeded run of ``preferred_profile``.
- ``best_quality``: the succeeded run whose profile ranks highest in the configured
  profile order (``high_quality > balanced > fast``), latest on ties.
- ``pinned``: exactly ``pinned_run_id``.
- ``default``: whatever the system default policy says (``get_default_policy``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, false, or_, select
from sqlalchemy.orm import Session

from pipeline.db.models import (
    Artifact,
    ArtifactSelection,
    Run,
    RunStatus,
    SelectionMode,
    Video,
)
from pipeline.db.types import utcnow
from pipeline.settings import PROFILE_ORDER_DEFAULT


class InvalidSelectionPolicyError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SelectionPolicy:
    mode: SelectionMode
    preferred_profile: str | None = None
    pinned_run_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", SelectionMode(self.mode))  # accept plain strings
        if self.mode is SelectionMode.PINNED and not self.pinned_run_id:
            raise InvalidSelectionPolicyError("pinned_run_id", "mode 'pinned' needs a run id")
        if self.mode is SelectionMode.PROFILE and not self.preferred_profile:
            raise InvalidSelectionPolicyError("preferred_profile", "mode 'profile' needs a profile")


# A video and its stored policies of some types: no row when the video does not exist,
# one row with NULL policy columns when it has none of them.
VIDEO_POLICIES = (
    select(
        Video.video_id,
        ArtifactSelection.artifact_type,
        ArtifactSelection.mode,
        ArtifactSelection.preferred_profile,
        ArtifactSelection.pinned_run_id,
    )
    .outerjoin(
        ArtifactSelection,
        and_(
            ArtifactSelection.asset_id == Video.video_id,
            ArtifactSelection.artifact_type.in_(bindparam("artifact_types", expanding=True)),
        ),
    )
    .where(Video.video_id == bindparam("video_id"))
)


def _stored(mode: str, preferred_profile: str | None, pinned_run_id: str | None) -> SelectionPolicy:
    return SelectionPolicy(SelectionMode(mode), preferred_profile, pinned_run_id)


class SelectionPolicyManager:
    def __init__(
        self,
        session: Session,
        *,
        profile_order: Sequence[str] = PROFILE_ORDER_DEFAULT,
        default_mode: SelectionMode = SelectionMode.BEST_QUALITY,
    ) -> None:
        if default_mode not in (SelectionMode.LATEST, SelectionMode.BEST_QUALITY):
            raise InvalidSelectionPolicyError("default_mode", "must be latest or best_quality")
        self.session = session
        self.profile_order = tuple(profile_order)
        self.default_mode = default_mode
        self._stored: dict[tuple[str, str], SelectionPolicy | None] = {}

    def read_video(self, video_id: str, artifact_types: Sequence[str]) -> bool:
        """Whether video ``video_id`` exists, read in one statement with its stored
        policies of ``artifact_types``, which ``get_policy`` then answers from memory: the
        hot reads (jump, find) spend one round trip where they spent 1 + len(types)."""
        values = {"video_id": video_id, "artifact_types": list(artifact_types)}
        rows = self.session.execute(VIDEO_POLICIES, values).all()
        if not rows:
            return False
        self._stored.update(dict.fromkeys(((video_id, kind) for kind in artifact_types), None))
        for _video_id, artifact_type, mode, preferred_profile, pinned_run_id in rows:
            if artifact_type is not None:
                policy = _stored(mode, preferred_profile, pinned_run_id)
                self._stored[(video_id, artifact_type)] = policy
        return True

    def get_default_policy(self) -> SelectionPolicy:
        return SelectionPolicy(self.default_mode)

    def get_policy(self, asset_id: str, artifact_type: str) -> SelectionPolicy:
        key = (asset_id, artifact_type)
        if key in self._stored:
            return self._stored[key] or self.get_default_policy()
        stored = self.session.get(ArtifactSelection, key)
        if stored is None:
            return self.get_default_policy()
        return _stored(stored.mode, stored.preferred_profile, stored.pinned_run_id)

    def set_policy(self, asset_id: str, artifact_type: str, policy: SelectionPolicy) -> None:
        stored = self.session.get(ArtifactSelection, (asset_id, artifact_type))
        if stored is None:
            stored = ArtifactSelection(asset_id=asset_id, artifact_type=artifact_type)
            self.session.add(stored)
        stored.mode = policy.mode
        stored.preferred_profile = policy.preferred_profile
        stored.pinned_run_id = policy.pinned_run_id
        stored.updated_at = utcnow()
        self.session.flush()
        self._stored.pop((asset_id, artifact_type), None)

    def resolve(self, policy: SelectionPolicy) -> SelectionPolicy:
        """The policy itself, or for mode ``default`` the system default."""
        return self.get_default_policy() if policy.mode is SelectionMode.DEFAULT else policy

    def selected_run_query(
        self, asset_id: str | ColumnElement[str], artifact_type: str, policy: SelectionPolicy
    ) -> Select[tuple[str]]:
        """One row at most: the run whose artifacts the policy selects. ``asset_id`` may be
        a column of an outer query, making this a correlated subquery."""
        return selected_run_statement(
            asset_id, artifact_type, self.resolve(policy), self.profile_order
        )

    def selected_run_id(
        self, asset_id: str, artifact_type: str, policy: SelectionPolicy | None = None
    ) -> str | None:
        policy = policy or self.get_policy(asset_id, artifact_type)
        return self.session.scalar(self.selected_run_query(asset_id, artifact_type, policy))

    def artifact_condition(
        self,
        asset_id: str,
        artifact_types: Sequence[str],
        override: SelectionPolicy | None = None,
    ) -> ColumnElement[bool]:
        """SQL condition on ``artifacts`` keeping only the selected run of each type."""
        clauses = [
            and_(
                Artifact.artifact_type == artifact_type,
                Artifact.run_id
                == self.selected_run_query(
                    asset_id,
                    artifact_type,
                    override or self.get_policy(asset_id, artifact_type),
                ).scalar_subquery(),
            )
            for artifact_type in artifact_types
        ]
        return or_(*clauses) if clauses else false()


def selected_run_statement(
    asset_id: str | ColumnElement[str],
    artifact_type: str,
    policy: SelectionPolicy,
    profile_order: Sequence[str],
) -> Select[tuple[str]]:
    """``SelectionPolicyManager.selected_run_query`` for a resolved policy (not ``default``)
    and a profile order: a function of its arguments alone, so that a caller may build it
    once with a bound parameter for ``asset_id`` and reuse it."""
    query = select(Run.run_id).where(
        Run.video_id == asset_id,
        Run.artifact_type == artifact_type,
        Run.status == RunStatus.SUCCEEDED,
    )
    latest_first = (Run.finished_at.desc().nulls_last(), Run.run_id.desc())
    match policy.mode:
        case SelectionMode.PINNED:
            return query.where(Run.run_id == policy.pinned_run_id)
        case SelectionMode.PROFILE:
            query = query.where(Run.profile == policy.preferred_profile)
            return query.order_by(*latest_first).limit(1)
        case SelectionMode.BEST_QUALITY:
            rank = case(
                {name: index for index, name in enumerate(profile_order)},
                value=Run.profile,
                else_=len(profile_order),
            )
            return query.order_by(rank, *latest_first).limit(1)
        case _:
            return query.order_by(*latest_first).limit(1)
