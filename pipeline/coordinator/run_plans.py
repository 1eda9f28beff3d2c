"""Plan runs: for each analyzer x profile, reuse a succeeded run with the same cache key
(`cached`), or continue an unfinished one (`--resume`, or a running one whose owner is
gone), or queue a new one."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.cache_key import cache_key, config_hash, profile_revision
from pipeline.coordinator.owner import is_abandoned
from pipeline.coordinator.reports import Outcome
from pipeline.coordinator.scene_inputs import SceneInputs
from pipeline.coordinator.timing import DEFAULT_TIMING, Timing
from pipeline.db.models import (
    ACTIVE_RUN_STATUSES,
    RegenerationReason,
    Run,
    RunStatus,
    Video,
)
from pipeline.db.repositories import RunRepository, StaleRunStateError
from pipeline.settings import PROFILE_ORDER_DEFAULT

RESUMABLE_STATUSES = (RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.SKIPPED)


@dataclass(frozen=True)
class PlannedRun:
    run: Run
    outcome: Outcome  # cached, queued, resumed or already_active

    @property
    def needs_execution(self) -> bool:
        return self.outcome in (Outcome.QUEUED, Outcome.RESUMED)


@dataclass(frozen=True)
class RunSpec:
    """Everything that identifies the work of one analyzer x profile on one video."""

    analyzer: str
    artifact_type: str
    profile: str
    model_id: str
    engine_version: str
    config: dict[str, Any]
    config_hash: str
    cache_key: str
    revision: str


def run_spec(
    catalog: AnalyzerCatalog,
    video: Video,
    analyzer_name: str,
    profile: str,
    overrides: Mapping[str, Any],
    scenes: SceneInputs,
) -> RunSpec:
    """The scenes an analyzer is given are input, like the file's content: they are in
    the config and so the cache key, but not in the revision, which names what the
    profile computes with whatever the video (docs/ARCHITECTURE.md, "Scene inputs")."""
    analyzer = catalog.get(analyzer_name)
    chosen = catalog.effective_config(analyzer_name, profile, overrides)
    model = analyzer.model_identity(chosen)
    config = scenes.apply(analyzer, chosen).model_dump(mode="json")
    return RunSpec(
        analyzer=analyzer.name,
        artifact_type=analyzer.artifact_type,
        profile=profile,
        model_id=model.model_id,
        engine_version=analyzer.engine_version,
        config=config,
        config_hash=config_hash(config),
        cache_key=cache_key(
            input_hash=video.content_hash,
            analyzer=analyzer.name,
            engine_version=analyzer.engine_version,
            model=model,
            config=config,
        ),
        revision=profile_revision(
            analyzer=analyzer.name,
            engine_version=analyzer.engine_version,
            model=model,
            config=chosen.model_dump(mode="json"),
        ),
    )


def plan_runs(
    session: Session,
    catalog: AnalyzerCatalog,
    video: Video,
    analyzers: Sequence[str],
    profile: str,
    overrides: Mapping[str, Mapping[str, Any]],
    *,
    force: bool = False,
    resume: bool = False,
    timing: Timing = DEFAULT_TIMING,
    profile_order: Sequence[str] = PROFILE_ORDER_DEFAULT,
) -> list[PlannedRun]:
    """``profile_order`` ranks profiles for the selection policy that picks the scenes
    run whose scenes the analyzers that use them are given."""
    scenes = SceneInputs(session, catalog, video.video_id, profile_order)
    return [
        plan_spec(
            session,
            video,
            run_spec(catalog, video, name, profile, overrides.get(name, {}), scenes),
            force=force,
            resume=resume,
            stale_after_s=timing.stale_after_s,
        )
        for name in analyzers
    ]


def plan_spec(
    session: Session,
    video: Video,
    spec: RunSpec,
    *,
    force: bool = False,
    resume: bool = False,
    stale_after_s: float = DEFAULT_TIMING.stale_after_s,
    reason: RegenerationReason | None = None,
) -> PlannedRun:
    """Cache hits are not recorded anywhere: they would add a row per look-up forever.
    ``reason`` marks a new run as a regeneration (`eioku regenerate`)."""
    runs = RunRepository(session)
    if not force:
        done = succeeded_run(runs, spec)
        if done is not None:
            return PlannedRun(done, Outcome.CACHED)
    active = runs.latest_with_key(spec.cache_key, ACTIVE_RUN_STATUSES)
    if active is not None:
        if active.status == RunStatus.RUNNING and is_abandoned(active, stale_after_s):
            return _requeue(runs, active)  # its owner is gone: a new attempt, at once
        return _joined(active)
    if resume:
        unfinished = runs.latest_with_key(spec.cache_key, RESUMABLE_STATUSES)
        if unfinished is not None:
            return _requeue(runs, unfinished)
    return _create_run(session, runs, video, spec, reason)


def succeeded_run(runs: RunRepository, spec: RunSpec) -> Run | None:
    """The run a plan reuses (``cached``) for ``spec``."""
    return runs.latest_with_key(spec.cache_key, [RunStatus.SUCCEEDED])


def _requeue(runs: RunRepository, run: Run) -> PlannedRun:
    try:
        return PlannedRun(runs.transition(run, RunStatus.QUEUED), Outcome.RESUMED)
    except StaleRunStateError:
        return _joined(run)  # another planner or worker changed it first


def _joined(active: Run) -> PlannedRun:
    """An active run somebody else planned: a queued one still needs executing."""
    outcome = Outcome.QUEUED if active.status == RunStatus.QUEUED else Outcome.ALREADY_ACTIVE
    return PlannedRun(active, outcome)


def _create_run(
    session: Session,
    runs: RunRepository,
    video: Video,
    spec: RunSpec,
    reason: RegenerationReason | None,
) -> PlannedRun:
    """Insert a queued run; the partial unique index on active cache keys makes a
    concurrent planner lose cleanly, and then we adopt the winner's run."""
    try:
        with session.begin_nested():
            run = runs.create(
                video_id=video.video_id,
                analyzer=spec.analyzer,
                artifact_type=spec.artifact_type,
                profile=spec.profile,
                model_id=spec.model_id,
                engine_version=spec.engine_version,
                config=spec.config,
                config_hash=spec.config_hash,
                cache_key=spec.cache_key,
                revision=spec.revision,
                reason=reason,
            )
    except IntegrityError:
        winner = runs.latest_with_key(spec.cache_key, ACTIVE_RUN_STATUSES)
        if winner is None:
            raise
        return _joined(winner)
    return PlannedRun(run, Outcome.QUEUED)
