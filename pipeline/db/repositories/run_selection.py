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

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from pipeline.db.models import Artifact, ArtifactSelection, Run, RunStatus, SelectionMode
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

    def get_default_policy(self) -> SelectionPolicy:
        return SelectionPolicy(self.default_mode)

    def get_policy(self, asset_id: str, artifact_type: str) -> SelectionPolicy:
        stored = self.session.get(ArtifactSelection, (asset_id, artifact_type))
        if stored is None:
            return self.get_default_policy()
        return SelectionPolicy(
            SelectionMode(stored.mode), stored.preferred_profile, stored.pinned_run_id
        )

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

    def resolve(self, policy: SelectionPolicy) -> SelectionPolicy:
        """The policy itself, or for mode ``default`` the system default."""
        return resolved(policy, self.default_mode)

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
            return query.order_by(_profile_rank(profile_order), *latest_first).limit(1)
        case _:
            return query.order_by(*latest_first).limit(1)


def _profile_rank(profile_order: Sequence[str]) -> ColumnElement[int]:
    return case(
        {name: index for index, name in enumerate(profile_order)},
        value=Run.profile,
        else_=len(profile_order),
    )


def stored_policy_run_statement(
    asset_id: str | ColumnElement[str],
    artifact_type: str,
    default_mode: SelectionMode,
    profile_order: Sequence[str],
) -> Select[tuple[str]]:
    """The run that the stored policy of (asset, type) selects, the default mode's where
    none is stored: ``selected_run_statement`` of ``get_policy``, with the policy read by
    a join in the same statement instead of a lookup before it (one round trip less for
    jump and find). A pinned policy whose run was deleted selects nothing."""
    mode = func.coalesce(
        func.nullif(ArtifactSelection.mode, SelectionMode.DEFAULT.value), default_mode.value
    )
    latest_first = (Run.finished_at.desc().nulls_last(), Run.run_id.desc())
    best_quality_first = case(
        (mode == SelectionMode.BEST_QUALITY.value, _profile_rank(profile_order)), else_=0
    )
    return (
        select(Run.run_id)
        .outerjoin(
            ArtifactSelection,
            and_(
                ArtifactSelection.asset_id == Run.video_id,
                ArtifactSelection.artifact_type == Run.artifact_type,
            ),
        )
        .where(
            Run.video_id == asset_id,
            Run.artifact_type == artifact_type,
            Run.status == RunStatus.SUCCEEDED,
            or_(mode != SelectionMode.PINNED.value, Run.run_id == ArtifactSelection.pinned_run_id),
            or_(
                mode != SelectionMode.PROFILE.value,
                Run.profile == ArtifactSelection.preferred_profile,
            ),
        )
        .order_by(best_quality_first, *latest_first)
        .limit(1)
    )


def policy_run_statement(
    asset_id: str | ColumnElement[str],
    artifact_type: str,
    policy: SelectionPolicy | None,
    default_mode: SelectionMode,
    profile_order: Sequence[str],
) -> Select[tuple[str]]:
    """The run ``policy`` selects (its mode ``default`` meaning ``default_mode``); with no
    policy, the one the stored policy selects (``stored_policy_run_statement``)."""
    if policy is None:
        return stored_policy_run_statement(asset_id, artifact_type, default_mode, profile_order)
    return selected_run_statement(
        asset_id, artifact_type, resolved(policy, default_mode), profile_order
    )


def resolved(policy: SelectionPolicy, default_mode: SelectionMode) -> SelectionPolicy:
    """``policy``, or for mode ``default`` the default mode's policy."""
    return SelectionPolicy(default_mode) if policy.mode is SelectionMode.DEFAULT else policy
