"""Selection policies: which run's artifacts count when several runs of one
(asset, artifact type) exist. Applied inside SQL queries as a run-id condition.

Modes (docs/ARCHITECTURE.md, "Selection policies"):
- ``latest``: the succeeded run that finished last.
- ``profile``: the latest succeeded run of ``preferred_profile``.
- ``best_quality``: the succeeded run whose profile ranks highest in the configured
  profile order (``high_quality > balanced > fast``), latest on ties.
- ``pinned``: exactly ``pinned_run_id``.
- ``default``: whatever the system default policy says (``get_default_policy``).

``profile`` and ``best_quality`` (so the default) prefer a run whose profile revision is
current (the cache diff's *current*) to any other, then apply their own order: a stale
run answers only where no current one exists. ``latest`` is the newest run whatever its
revision, ``pinned`` its run.

``latest`` and ``best_quality`` never choose a run of an untrained test model: only a
request that names its profile or its run (``profile``, ``pinned``, a run id) does.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from pipeline.analysis.contract import UNTRAINED_MARK, is_untrained
from pipeline.db.models import Artifact, ArtifactSelection, Run, RunStatus, SelectionMode
from pipeline.db.types import utcnow
from pipeline.errors import EiokuError, ErrorKind
from pipeline.settings import PROFILE_ORDER_DEFAULT

RevisionPairs = tuple[tuple[str, str], ...]
"""(profile, revision) of each profile at its current revision, for one artifact type."""

CURRENT_REVISIONS = "current_revisions"  # the bound parameter that carries them


# The run an answer comes from, joined by its id under its own name: a selected-run
# subquery correlated to the outer query (global jump) must not take it for its own.
ANSWERING_RUN = aliased(Run, name="answering_run")
ANSWERING_RUN_COLUMNS = (
    ANSWERING_RUN.run_id,
    ANSWERING_RUN.profile,
    ANSWERING_RUN.revision,
    ANSWERING_RUN.model_id,
)
"""What a query reads of that run (``SelectionPolicyManager.answering_run``)."""


DEFAULT_MODE = SelectionMode.BEST_QUALITY
"""What mode ``default`` means: the succeeded run of the best profile."""


@dataclass(frozen=True)
class AnsweringRun:
    """The run an answer comes from, as outputs show it: its model id (which marks an
    untrained test model) and whether it was computed under a revision of its profile
    that is no longer current."""

    run_id: str
    model_id: str
    stale: bool

    @property
    def untrained(self) -> bool:
        return is_untrained(self.model_id)


class InvalidSelectionPolicyError(EiokuError, ValueError):
    code = "invalid_parameter"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field, line=f"{field}: {message}")


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

    @classmethod
    def requested(
        cls, mode: SelectionMode, profile: str | None, run_id: str | None
    ) -> "SelectionPolicy":
        """The policy a user asks for: the field its mode uses, and no other."""
        if profile is not None and mode is not SelectionMode.PROFILE:
            raise InvalidSelectionPolicyError("preferred_profile", "applies to mode profile only")
        if run_id is not None and mode is not SelectionMode.PINNED:
            raise InvalidSelectionPolicyError("pinned_run_id", "applies to mode pinned only")
        return cls(mode, preferred_profile=profile, pinned_run_id=run_id)


class SelectionPolicyManager:
    def __init__(
        self,
        session: Session,
        *,
        profile_order: Sequence[str] = PROFILE_ORDER_DEFAULT,
        current_revisions: Callable[[str], RevisionPairs] | None = None,
    ) -> None:
        """``current_revisions`` gives an artifact type's current revisions; without it
        no run counts as current (nor as stale: ``is_stale``). It is asked once per type:
        a manager serves one request or command, whose query and staleness marks then
        agree, and whose answers (a find's every match) do not each ask again."""
        self.session = session
        self.profile_order = tuple(profile_order)
        self._current_revisions = current_revisions
        self._revisions_of: dict[str, RevisionPairs] = {}

    def current_revisions(self, artifact_type: str) -> RevisionPairs:
        if self._current_revisions is None:
            return ()
        if artifact_type not in self._revisions_of:
            self._revisions_of[artifact_type] = self._current_revisions(artifact_type)
        return self._revisions_of[artifact_type]

    def is_stale(self, artifact_type: str, profile: str, revision: str | None) -> bool:
        """A run computed under another revision of its profile than the current one. A
        run from before revisions were recorded is not called stale, nor is any run when
        the current revisions are unknown."""
        if self._current_revisions is None or revision is None:
            return False
        return (profile, revision) not in self.current_revisions(artifact_type)

    def answering_run(
        self, artifact_type: str, run_id: str, profile: str, revision: str | None, model_id: str
    ) -> AnsweringRun:
        """The run of a row read with ``ANSWERING_RUN_COLUMNS``."""
        return AnsweringRun(run_id, model_id, self.is_stale(artifact_type, profile, revision))

    def get_default_policy(self) -> SelectionPolicy:
        return SelectionPolicy(DEFAULT_MODE)

    def get_policy(self, asset_id: str, artifact_type: str) -> SelectionPolicy:
        stored = self.session.get(ArtifactSelection, (asset_id, artifact_type))
        if stored is None:
            return self.get_default_policy()
        return SelectionPolicy(
            SelectionMode(stored.mode), stored.preferred_profile, stored.pinned_run_id
        )

    def set_policy(self, asset_id: str, artifact_type: str, policy: SelectionPolicy) -> None:
        """Store the policy; a pinned run must be one of the asset producing the type."""
        if policy.pinned_run_id is not None:
            pinned = self.session.get(Run, policy.pinned_run_id)
            where = (asset_id, artifact_type)
            if pinned is None or (pinned.video_id, pinned.artifact_type) != where:
                raise InvalidSelectionPolicyError(
                    "pinned_run_id", f"not a run of video {asset_id} producing {artifact_type}"
                )
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
        return resolved(policy)

    def selected_run_query(
        self, asset_id: str | ColumnElement[str], artifact_type: str, policy: SelectionPolicy
    ) -> Select[tuple[str]]:
        """One row at most: the run whose artifacts the policy selects. ``asset_id`` may be
        a column of an outer query, making this a correlated subquery."""
        return selected_run_statement(
            asset_id,
            artifact_type,
            self.resolve(policy),
            self.profile_order,
            current_revisions_param(self.current_revisions(artifact_type)),
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
    current: BindParameter[Any],
) -> Select[tuple[str]]:
    """``SelectionPolicyManager.selected_run_query`` for a resolved policy (not ``default``),
    a profile order and the current revisions (``current_revisions_param``): a function of
    its arguments alone, so that a caller may build it once with bound parameters for
    ``asset_id`` and the revisions and reuse it."""
    query = select(Run.run_id).where(
        Run.video_id == asset_id,
        Run.artifact_type == artifact_type,
        Run.status == RunStatus.SUCCEEDED,
    )
    current_first = _current_first(current)
    latest_first = (Run.finished_at.desc().nulls_last(), Run.run_id.desc())
    match policy.mode:
        case SelectionMode.PINNED:
            return query.where(Run.run_id == policy.pinned_run_id)
        case SelectionMode.PROFILE:
            query = query.where(Run.profile == policy.preferred_profile)
            return query.order_by(current_first, *latest_first).limit(1)
        case SelectionMode.BEST_QUALITY:
            rank = _profile_rank(profile_order)
            return query.where(_trained()).order_by(current_first, rank, *latest_first).limit(1)
        case _:
            return query.where(_trained()).order_by(*latest_first).limit(1)


def current_revisions_param(pairs: RevisionPairs | None = None) -> BindParameter[Any]:
    """The current revisions as one expanding bound parameter. Without ``pairs``, a
    placeholder for a statement built once per shape (jump, find): its caller passes them
    as ``current_revisions`` with the other values."""
    if pairs is None:
        return bindparam(CURRENT_REVISIONS, expanding=True)
    return bindparam(CURRENT_REVISIONS, list(pairs), expanding=True, unique=True)


def _current_first(current: BindParameter[Any]) -> ColumnElement[int]:
    return case((tuple_(Run.profile, Run.revision).in_(current), 0), else_=1)


def _trained() -> ColumnElement[bool]:
    return ~Run.model_id.endswith(UNTRAINED_MARK, autoescape=True)


def _profile_rank(profile_order: Sequence[str]) -> ColumnElement[int]:
    return case(
        {name: index for index, name in enumerate(profile_order)},
        value=Run.profile,
        else_=len(profile_order),
    )


def stored_policy_run_statement(
    asset_id: str | ColumnElement[str],
    artifact_type: str,
    profile_order: Sequence[str],
    current: BindParameter[Any],
) -> Select[tuple[str]]:
    """The run that the stored policy of (asset, type) selects, the default mode's where
    none is stored: ``selected_run_statement`` of ``get_policy``, with the policy read by
    a join in the same statement instead of a lookup before it (one round trip less for
    jump and find). A pinned policy whose run was deleted selects nothing."""
    mode = func.coalesce(
        func.nullif(ArtifactSelection.mode, SelectionMode.DEFAULT.value), DEFAULT_MODE.value
    )
    latest_first = (Run.finished_at.desc().nulls_last(), Run.run_id.desc())
    best_quality_first = case(
        (mode == SelectionMode.BEST_QUALITY.value, _profile_rank(profile_order)), else_=0
    )
    current_first = case((mode == SelectionMode.LATEST.value, 0), else_=_current_first(current))
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
            or_(mode.in_([SelectionMode.PINNED.value, SelectionMode.PROFILE.value]), _trained()),
        )
        .order_by(current_first, best_quality_first, *latest_first)
        .limit(1)
    )


def policy_run_statement(
    asset_id: str | ColumnElement[str],
    artifact_type: str,
    policy: SelectionPolicy | None,
    profile_order: Sequence[str],
    current: BindParameter[Any],
) -> Select[tuple[str]]:
    """The run ``policy`` selects (its mode ``default`` meaning ``DEFAULT_MODE``); with no
    policy, the one the stored policy selects (``stored_policy_run_statement``)."""
    if policy is None:
        return stored_policy_run_statement(asset_id, artifact_type, profile_order, current)
    return selected_run_statement(asset_id, artifact_type, resolved(policy), profile_order, current)


def resolved(policy: SelectionPolicy) -> SelectionPolicy:
    """``policy``, or for mode ``default`` the system default's."""
    return SelectionPolicy(DEFAULT_MODE) if policy.mode is SelectionMode.DEFAULT else policy
