"""Query parameters shared by several endpoints, and the selection override they build."""

from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from pipeline.analysis.vocabulary import Vocabulary
from pipeline.api.errors import invalid, not_found
from pipeline.api.models import NO_NUL
from pipeline.db.models import SelectionMode
from pipeline.db.repositories import RunRepository, SelectionPolicy
from schemas.base import MAX_INT32, MAX_JSON_SAFE_INT


def time_ms(description: str) -> Any:
    return Query(ge=0, le=MAX_JSON_SAFE_INT, description=f"{description} (milliseconds)")


def label_query(description: str) -> Any:
    return Query(max_length=128, pattern=NO_NUL, description=description)


def cluster_query() -> Any:
    return Query(ge=0, le=MAX_INT32, description="face cluster (person) id")


def confidence_query() -> Any:
    return Query(ge=0.0, le=1.0, description="lowest confidence kept")


def known_artifact_type(
    vocabulary: Vocabulary, artifact_type: str | None, field: str
) -> str | None:
    if artifact_type is None:
        return None
    known = vocabulary.artifact_types
    if artifact_type not in known:
        raise invalid(field, f"unknown artifact type (known: {', '.join(known)})")
    return artifact_type


async def requested_selection(
    selection: Annotated[
        SelectionMode | None,
        Query(description="which run counts; default: the stored policy of each type"),
    ] = None,
    profile: Annotated[
        str | None,
        Query(max_length=32, pattern=NO_NUL, description="latest run of this profile"),
    ] = None,
    run_id: Annotated[
        str | None,
        Query(max_length=64, pattern=NO_NUL, description="exactly this run (mode pinned)"),
    ] = None,
) -> SelectionPolicy | None:
    """`profile` implies mode profile and `run_id` mode pinned; contradictions are 422. A
    pinned run is not looked up here (it needs the database): see ``verified_selection``."""
    if profile is not None and run_id is not None:
        raise invalid("run_id", "give either profile or run_id, not both")
    if profile is not None and selection not in (None, SelectionMode.PROFILE):
        raise invalid("profile", f"does not apply to selection {selection}")
    if run_id is not None and selection not in (None, SelectionMode.PINNED):
        raise invalid("run_id", f"does not apply to selection {selection}")
    if profile is not None or selection is SelectionMode.PROFILE:
        if not profile:
            raise invalid("profile", "selection profile needs a profile")
        return SelectionPolicy(SelectionMode.PROFILE, preferred_profile=profile)
    if run_id is not None or selection is SelectionMode.PINNED:
        if not run_id:
            raise invalid("run_id", "selection pinned needs a run_id")
        return SelectionPolicy(SelectionMode.PINNED, pinned_run_id=run_id)
    return None if selection is None else SelectionPolicy(selection)


RequestedSelection = Annotated[SelectionPolicy | None, Depends(requested_selection)]


def verified_selection(
    session: Session, video_id: str, policy: SelectionPolicy | None
) -> SelectionPolicy | None:
    """``policy``, once its pinned run is known to be one of the video's (404 if not)."""
    if policy is not None and policy.mode is SelectionMode.PINNED:
        run = RunRepository(session).get(policy.pinned_run_id or "")
        if run is None or run.video_id != video_id:
            message = f"video has no run {policy.pinned_run_id!r}"
            raise not_found("run_not_found", message, "run_id")
    return policy
