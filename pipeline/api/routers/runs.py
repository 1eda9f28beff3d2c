"""Runs of a video, one run, the profiles a video has results for, and the selection
policy that decides which run's artifacts count."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from pipeline.api.dependencies import (
    Context,
    Declared,
    VideoIdPath,
    find_video,
    plausible_id,
    policy_manager,
)
from pipeline.api.errors import ApiError, invalid
from pipeline.api.models import (
    ErrorResponse,
    ProfileOut,
    ProfilesResponse,
    RunList,
    RunOut,
    SelectionOut,
    SelectionPolicyOut,
    SelectionUpdate,
    TypeProfiles,
)
from pipeline.api.params import known_artifact_type
from pipeline.api.routers import API_PREFIX
from pipeline.coordinator.cancellation import cancel_and_revoke
from pipeline.db.models import Run, RunStatus, Video
from pipeline.db.repositories import (
    IllegalTransitionError,
    InvalidSelectionPolicyError,
    RunNotFoundError,
    RunRepository,
    SelectionPolicy,
    SelectionPolicyManager,
)

router = APIRouter(prefix=API_PREFIX, tags=["runs"])

MAX_RUNS = 1000


@router.get("/videos/{video_id}/runs", response_model=RunList)
async def list_runs(
    video_id: VideoIdPath,
    context: Context,
    status: Annotated[RunStatus | None, Query(description="only runs with this status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 100,
) -> RunList:
    """Runs of the video, newest first."""

    def listed(session: Session) -> RunList:
        video = find_video(session, video_id)
        found = RunRepository(session).find(video_id=video.video_id, status=status, limit=limit)
        return RunList(runs=[RunOut.model_validate(run) for run in found])

    return await context.read(listed)


@router.get("/runs", response_model=RunList)
async def list_all_runs(
    context: Context,
    status: Annotated[RunStatus | None, Query(description="only runs with this status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 100,
) -> RunList:
    """Runs of every video, newest first."""

    def listed(session: Session) -> RunList:
        found = RunRepository(session).find(status=status, limit=limit)
        return RunList(runs=[RunOut.model_validate(run) for run in found])

    return await context.read(listed)


@router.post(
    "/runs/{run_id}/cancel",
    response_model=RunOut,
    responses={409: {"model": ErrorResponse, "description": "the run has finished"}},
)
async def cancel(run_id: Annotated[str, Path(description="run id")], context: Context) -> RunOut:
    """Cancel a queued or running run: it stops at its next checkpoint, writing no
    artifacts; with a broker its waiting task is revoked too. 409 `run_finished` when it
    has already finished."""
    if not plausible_id(run_id):
        raise RunNotFoundError(run_id)
    try:
        cancellation = await context.carry_out(
            lambda: cancel_and_revoke(context.settings, context.db, run_id)
        )
    except IllegalTransitionError:
        raise ApiError(
            409, "run_finished", "only queued or running runs can be cancelled", "run_id"
        ) from None
    return RunOut.model_validate(cancellation.run)


@router.get("/runs/{run_id}", response_model=RunOut)
async def get_run(run_id: Annotated[str, Path(description="run id")], context: Context) -> RunOut:
    """One run: status, progress, attempts, worker, heartbeat, cache key and error."""

    def found(session: Session) -> RunOut:
        run = RunRepository(session).get(run_id) if plausible_id(run_id) else None
        if run is None:
            raise RunNotFoundError(run_id)
        return RunOut.model_validate(run)

    return await context.read(found)


def _policy_out(policy: SelectionPolicy) -> SelectionPolicyOut:
    return SelectionPolicyOut(
        mode=policy.mode, profile=policy.preferred_profile, run_id=policy.pinned_run_id
    )


def _type_profiles(
    manager: SelectionPolicyManager, video_id: str, artifact_type: str, runs: list[Run]
) -> TypeProfiles:
    policy = manager.get_policy(video_id, artifact_type)
    selected = manager.selected_run_id(video_id, artifact_type, policy)
    by_profile: dict[str, list[Run]] = defaultdict(list)
    for run in runs:  # newest first
        by_profile[run.profile].append(run)
    selected_run = next((run for run in runs if run.run_id == selected), None)
    profiles = [
        ProfileOut(
            profile=profile,
            run_count=len(profile_runs),
            latest_run_id=profile_runs[0].run_id,
            latest_model_id=profile_runs[0].model_id,
            latest_finished_at=profile_runs[0].finished_at,
            selected=selected_run is not None and profile == selected_run.profile,
        )
        for profile, profile_runs in sorted(by_profile.items())
    ]
    return TypeProfiles(
        artifact_type=artifact_type,
        policy=_policy_out(policy),
        selected_run_id=selected,
        selected_model_id=selected_run.model_id if selected_run else None,
        profiles=profiles,
    )


@router.get("/videos/{video_id}/profiles", response_model=ProfilesResponse)
async def list_profiles(
    video_id: VideoIdPath,
    context: Context,
    vocabulary: Declared,
    artifact_type: Annotated[
        str | None, Query(max_length=64, description="one type; default: every type with runs")
    ] = None,
) -> ProfilesResponse:
    """Per artifact type: the profiles with succeeded runs, the stored selection policy and
    the run (and so the profile) it selects."""

    def listed(session: Session) -> ProfilesResponse:
        video = find_video(session, video_id)
        known_artifact_type(vocabulary, artifact_type, "artifact_type")
        return _profiles(session, policy_manager(context, session), video, artifact_type)

    return await context.read(listed)


def _profiles(
    session: Session, manager: SelectionPolicyManager, video: Video, artifact_type: str | None
) -> ProfilesResponse:
    succeeded = RunRepository(session).find(
        video_id=video.video_id, status=RunStatus.SUCCEEDED, limit=100_000
    )
    runs_by_type: dict[str, list[Run]] = defaultdict(list)
    for run in sorted(
        succeeded, key=lambda run: (run.finished_at is not None, run.finished_at), reverse=True
    ):
        runs_by_type[run.artifact_type].append(run)
    types = [artifact_type] if artifact_type else sorted(runs_by_type)
    return ProfilesResponse(
        video_id=video.video_id,
        artifact_types=[
            _type_profiles(manager, video.video_id, name, runs_by_type.get(name, []))
            for name in types
        ],
    )


@router.put("/videos/{video_id}/selection/{artifact_type}", response_model=SelectionOut)
async def put_selection(
    video_id: VideoIdPath,
    artifact_type: Annotated[str, Path(description="e.g. scene")],
    body: SelectionUpdate,
    context: Context,
    vocabulary: Declared,
) -> SelectionOut:
    """Set which run's artifacts count for this video and type. Mode `pinned` needs a
    `run_id` of this video and type, mode `profile` a `profile` (422 otherwise)."""

    def stored(session: Session) -> SelectionOut:
        video = find_video(session, video_id)
        known_artifact_type(vocabulary, artifact_type, "artifact_type")
        manager = policy_manager(context, session)
        try:
            policy = SelectionPolicy.requested(body.mode, body.profile, body.run_id)
            manager.set_policy(video.video_id, artifact_type, policy)
        except InvalidSelectionPolicyError as exc:
            field = {"pinned_run_id": "run_id", "preferred_profile": "profile"}.get(
                exc.field, exc.field
            )
            raise invalid(field, exc.message) from None
        selected = manager.selected_run_id(video.video_id, artifact_type, policy)
        selected_run = RunRepository(session).require(selected) if selected else None
        return SelectionOut(
            video_id=video.video_id,
            artifact_type=artifact_type,
            policy=_policy_out(policy),
            selected_run_id=selected,
            selected_model_id=selected_run.model_id if selected_run else None,
        )

    return await context.write(stored)
