"""Plan runs: for each analyzer x profile, reuse a succeeded run with the same cache key
(`cached`), or continue an unfinished one (`--resume`), or queue a new one."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.cache_key import cache_key, config_hash
from pipeline.db.models import ACTIVE_RUN_STATUSES, HistoryAction, Run, RunStatus, Video
from pipeline.db.repositories import HistoryRepository, RunRepository
from pipeline.db.repositories.runs import is_silent

RESUMABLE_STATUSES = (RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.SKIPPED, RunStatus.RUNNING)
# A `running` run is only resumed once silent this long: before that a worker may own it.
RESUME_RUNNING_AFTER_S = 120.0


class PlanAction(StrEnum):
    CACHED = "cached"
    QUEUED = "queued"
    RESUMED = "resumed"
    ALREADY_ACTIVE = "already_active"


@dataclass(frozen=True)
class PlannedRun:
    run: Run
    action: PlanAction

    @property
    def needs_execution(self) -> bool:
        return self.action in (PlanAction.QUEUED, PlanAction.RESUMED)


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


def run_spec(
    catalog: AnalyzerCatalog,
    video: Video,
    analyzer_name: str,
    profile: str,
    overrides: Mapping[str, Any],
) -> RunSpec:
    analyzer = catalog.get(analyzer_name)
    effective = analyzer.effective_config(profile, overrides)
    config = effective.model_dump(mode="json")
    model = analyzer.model_identity(effective)
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
) -> list[PlannedRun]:
    return [
        _plan_one(
            session,
            video,
            run_spec(catalog, video, name, profile, overrides.get(name, {})),
            force=force,
            resume=resume,
        )
        for name in analyzers
    ]


def _plan_one(
    session: Session, video: Video, spec: RunSpec, *, force: bool, resume: bool
) -> PlannedRun:
    runs = RunRepository(session)
    if not force:
        done = runs.latest_with_key(spec.cache_key, [RunStatus.SUCCEEDED])
        if done is not None:
            HistoryRepository(session).record(
                video_id=video.video_id,
                analyzer=spec.analyzer,
                profile=spec.profile,
                action=HistoryAction.CACHED,
                status=PlanAction.CACHED,
                run_id=done.run_id,
            )
            return PlannedRun(done, PlanAction.CACHED)
    if resume:
        unfinished = runs.latest_with_key(spec.cache_key, RESUMABLE_STATUSES)
        if unfinished is not None:
            alive = unfinished.status == RunStatus.RUNNING and not is_silent(
                unfinished, RESUME_RUNNING_AFTER_S
            )
            if alive:
                return PlannedRun(unfinished, PlanAction.ALREADY_ACTIVE)
            return PlannedRun(runs.transition(unfinished, RunStatus.QUEUED), PlanAction.RESUMED)
    active = runs.latest_with_key(spec.cache_key, ACTIVE_RUN_STATUSES)
    if active is not None:
        action = (
            PlanAction.QUEUED if active.status == RunStatus.QUEUED else PlanAction.ALREADY_ACTIVE
        )
        return PlannedRun(active, action)
    return _create_run(session, runs, video, spec)


def _create_run(session: Session, runs: RunRepository, video: Video, spec: RunSpec) -> PlannedRun:
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
            )
    except IntegrityError:
        winner = runs.latest_with_key(spec.cache_key, ACTIVE_RUN_STATUSES)
        if winner is None:
            raise
        return PlannedRun(winner, PlanAction.ALREADY_ACTIVE)
    return PlannedRun(run, PlanAction.QUEUED)
