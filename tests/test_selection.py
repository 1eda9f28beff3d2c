"""Selection policies on SQLite and PostgreSQL: which run's artifacts a query returns,
preferring runs at their profile's current revision and choosing an untrained test
model's run only when asked for it by profile or run."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from pipeline.analysis.contract import ModelIdentity
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus, SelectionMode
from pipeline.db.repositories import (
    ArtifactRepository,
    InvalidSelectionPolicyError,
    SelectionPolicy,
    SelectionPolicyManager,
)
from pipeline.db.repositories.run_selection import (
    RevisionPairs,
    current_revisions_param,
    stored_policy_run_statement,
)
from schemas.base import BoundingBox
from schemas.payloads import ObjectDetection, Scene
from tests.support.factories import (
    clear_tables,
    make_envelope,
    make_run,
    make_video,
    write_artifacts,
)

PROFILES = ("fast", "balanced", "high_quality")
QUALITY_ORDER = ("high_quality", "balanced", "fast")  # best first
ARTIFACT_TYPE = "scene"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# The revision each profile is at now; a run has it, an older one or none (a run from
# before revisions were recorded).
CURRENT: RevisionPairs = tuple((profile, f"{profile}-now") for profile in PROFILES)
REVISIONS = ("now", "before", None)
DETECTION = ObjectDetection(
    frame_index=0,
    timestamp_ms=0,
    label="person",
    class_id=0,
    confidence=0.5,
    bbox=BoundingBox(x=0, y=0, width=1, height=1),
)


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    profile: str
    status: RunStatus
    finished_at: datetime | None
    artifact_id: str
    current: bool
    untrained: bool


def newest(runs: list[RunSpec]) -> RunSpec | None:
    return max(runs, key=lambda r: (r.finished_at, r.run_id), default=None)


def latest(runs: list[RunSpec]) -> RunSpec | None:
    """The current run that finished last, else the stale one that did."""
    return newest([r for r in runs if r.current]) or newest(runs)


def expected_run(runs: list[RunSpec], policy: SelectionPolicy) -> RunSpec | None:
    """Brute-force reading of the selection modes (docs/ARCHITECTURE.md, "Selection policies")."""
    succeeded = [r for r in runs if r.status is RunStatus.SUCCEEDED]
    mode = SelectionMode.BEST_QUALITY if policy.mode is SelectionMode.DEFAULT else policy.mode
    if mode is SelectionMode.PROFILE:
        return latest([r for r in succeeded if r.profile == policy.preferred_profile])
    if mode is SelectionMode.PINNED:
        return next(r for r in runs if r.run_id == policy.pinned_run_id)
    trained = [r for r in succeeded if not r.untrained]
    if mode is SelectionMode.LATEST:
        return newest(trained)
    assert mode is SelectionMode.BEST_QUALITY
    for candidates in ([r for r in trained if r.current], trained):
        for profile in QUALITY_ORDER:
            best = latest([r for r in candidates if r.profile == profile])
            if best is not None:
                return best
    return None


run_specs = st.lists(
    st.tuples(
        st.sampled_from(PROFILES),
        st.sampled_from(RunStatus),
        st.integers(0, 100_000),  # finished_at, in seconds after EPOCH
        st.sampled_from(REVISIONS),
        st.booleans(),  # an untrained test model's run
    ),
    max_size=10,
    unique_by=lambda spec: spec[2],
)

Spec = tuple[str, RunStatus, int, str | None, bool]


def insert_runs(db: Database, specs: list[Spec]) -> tuple[str, list[RunSpec]]:
    """One asset; every run owns one scene artifact, and the asset also has a succeeded run
    of another type whose artifact must never show up in a scene query."""
    clear_tables(db)
    runs: list[RunSpec] = []
    with db.transaction() as session:
        asset = make_video(session).video_id
        envelopes = []
        for profile, status, seconds, revision, untrained in specs:
            finished = status not in (RunStatus.QUEUED, RunStatus.RUNNING)
            run = make_run(
                session,
                asset,
                analyzer="scenes",
                artifact_type=ARTIFACT_TYPE,
                profile=profile,
                status=status,
                finished_at=EPOCH + timedelta(seconds=seconds) if finished else None,
                revision=revision and f"{profile}-{revision}",
                model_id=ModelIdentity("model", untrained=untrained).model_id,
            )
            scene = Scene(start_ms=0, end_ms=1000, scene_index=0, start_frame=0, end_frame=25)
            envelope = make_envelope(
                scene, asset_id=asset, run_id=run.run_id, model_profile=profile
            )
            envelopes.append(envelope)
            current = revision == "now"
            runs.append(
                RunSpec(
                    run.run_id,
                    profile,
                    status,
                    run.finished_at,
                    envelope.artifact_id,
                    current,
                    untrained,
                )
            )
        other = make_run(session, asset, artifact_type="object.detection", status="succeeded")
        envelopes.append(make_envelope(DETECTION, asset_id=asset, run_id=other.run_id))
        write_artifacts(session, envelopes)
    return asset, runs


@st.composite
def policies(draw: st.DrawFn, runs: list[RunSpec]) -> SelectionPolicy:
    succeeded = [r.run_id for r in runs if r.status is RunStatus.SUCCEEDED]
    choices = [
        st.just(SelectionPolicy(SelectionMode.LATEST)),
        st.just(SelectionPolicy(SelectionMode.BEST_QUALITY)),
        st.just(SelectionPolicy(SelectionMode.DEFAULT)),
        st.sampled_from(PROFILES).map(lambda p: SelectionPolicy(SelectionMode.PROFILE, p)),
    ]
    if succeeded:
        choices.append(
            st.sampled_from(succeeded).map(
                lambda r: SelectionPolicy(SelectionMode.PINNED, pinned_run_id=r)
            )
        )
    return draw(st.one_of(choices))


def knowing_revisions(session: Session, **options: Any) -> SelectionPolicyManager:
    return SelectionPolicyManager(session, current_revisions=lambda _type: CURRENT, **options)


def selected(db: Database, asset: str, policy: SelectionPolicy | None) -> set[str]:
    with db.sessions() as session:
        found = ArtifactRepository(session, knowing_revisions(session)).get_by_asset(
            asset, artifact_type=ARTIFACT_TYPE, selection=policy
        )
    return {e.artifact_id for e in found}


def stored_pick(db: Database, asset: str) -> str | None:
    """The run the stored policy selects, resolved in SQL (what jump and find use)."""
    statement = stored_policy_run_statement(
        asset, ARTIFACT_TYPE, QUALITY_ORDER, current_revisions_param(CURRENT)
    )
    with db.sessions() as session:
        return session.scalar(statement)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=run_specs, data=st.data())
def test_selection_policy_picks_the_brute_force_run(
    db: Database, specs: list[Spec], data: st.DataObject
) -> None:
    asset, runs = insert_runs(db, specs)
    policy = data.draw(policies(runs), label="policy")
    pick = expected_run(runs, policy)
    expected = set() if pick is None else {pick.artifact_id}

    assert selected(db, asset, policy) == expected
    default = expected_run(runs, SelectionPolicy(SelectionMode.DEFAULT))
    assert stored_pick(db, asset) == (default and default.run_id)

    # the same policy stored for (asset, type) is used when the query names none
    with db.transaction() as session:
        SelectionPolicyManager(session).set_policy(asset, ARTIFACT_TYPE, policy)
    assert selected(db, asset, None) == expected
    assert stored_pick(db, asset) == (pick and pick.run_id)
    with db.sessions() as session:
        stored = knowing_revisions(session)
        assert stored.get_policy(asset, ARTIFACT_TYPE) == policy
        assert stored.selected_run_id(asset, ARTIFACT_TYPE) == (pick and pick.run_id)


def test_stored_policy_replaces_the_default_until_changed(db: Database) -> None:
    asset, runs = insert_runs(
        db,
        [
            ("high_quality", RunStatus.SUCCEEDED, 10, "now", False),
            ("fast", RunStatus.SUCCEEDED, 30, "now", False),
            ("balanced", RunStatus.SUCCEEDED, 20, "now", False),
            ("high_quality", RunStatus.FAILED, 40, "now", False),
        ],
    )
    best, newest, balanced, failed = runs

    assert selected(db, asset, None) == {best.artifact_id}  # default = best_quality
    with db.transaction() as session:
        manager = SelectionPolicyManager(session)
        manager.set_policy(asset, ARTIFACT_TYPE, SelectionPolicy(SelectionMode.LATEST))
    assert selected(db, asset, None) == {newest.artifact_id}
    # an explicit policy overrides the stored one, and so does a profile
    assert selected(db, asset, SelectionPolicy(SelectionMode.PROFILE, "balanced")) == {
        balanced.artifact_id
    }
    with db.sessions() as session:
        by_profile = ArtifactRepository(session).get_by_asset(
            asset, artifact_type=ARTIFACT_TYPE, profile="high_quality"
        )
        by_run = ArtifactRepository(session).get_by_asset(asset, run_id=failed.run_id)
    assert [e.artifact_id for e in by_profile] == [best.artifact_id]
    assert [e.artifact_id for e in by_run] == [failed.artifact_id]

    with db.transaction() as session:
        manager = SelectionPolicyManager(session)
        pinned = SelectionPolicy(SelectionMode.PINNED, pinned_run_id=balanced.run_id)
        manager.set_policy(asset, ARTIFACT_TYPE, pinned)
    assert selected(db, asset, None) == {balanced.artifact_id}
    with db.transaction() as session:
        manager = SelectionPolicyManager(session)
        manager.set_policy(asset, ARTIFACT_TYPE, SelectionPolicy(SelectionMode.DEFAULT))
    assert selected(db, asset, None) == {best.artifact_id}


def test_a_current_run_answers_before_a_stale_one_that_finished_later(db: Database) -> None:
    asset, runs = insert_runs(
        db,
        [
            ("fast", RunStatus.SUCCEEDED, 10, "now", False),
            ("fast", RunStatus.SUCCEEDED, 20, "before", False),  # an override since removed
            ("high_quality", RunStatus.SUCCEEDED, 30, "before", False),
        ],
    )
    current, stale, stale_best = runs
    assert selected(db, asset, None) == {current.artifact_id}
    assert selected(db, asset, SelectionPolicy(SelectionMode.BEST_QUALITY)) == {current.artifact_id}
    # latest is the newest run, whatever its revision
    assert selected(db, asset, SelectionPolicy(SelectionMode.LATEST)) == {stale_best.artifact_id}
    assert selected(db, asset, SelectionPolicy(SelectionMode.PROFILE, "fast")) == {
        current.artifact_id
    }
    # where no run of the profile is current, its latest stale one answers
    assert selected(db, asset, SelectionPolicy(SelectionMode.PROFILE, "high_quality")) == {
        stale_best.artifact_id
    }
    pinned = SelectionPolicy(SelectionMode.PINNED, pinned_run_id=stale.run_id)
    assert selected(db, asset, pinned) == {stale.artifact_id}
    with db.sessions() as session:
        unaware = ArtifactRepository(session).get_by_asset(asset, artifact_type=ARTIFACT_TYPE)
    assert [e.artifact_id for e in unaware] == [stale_best.artifact_id]  # best quality alone


UNTRAINED_RUNS: list[Spec] = [
    ("fast", RunStatus.SUCCEEDED, 10, "now", False),
    ("smoke", RunStatus.SUCCEEDED, 20, "now", True),
    ("high_quality", RunStatus.SUCCEEDED, 30, "now", True),
]


@pytest.mark.parametrize(
    ("policy", "answer"),
    [
        (None, "fast"),
        (SelectionPolicy(SelectionMode.DEFAULT), "fast"),
        (SelectionPolicy(SelectionMode.BEST_QUALITY), "fast"),
        (SelectionPolicy(SelectionMode.LATEST), "fast"),
        (SelectionPolicy(SelectionMode.PROFILE, "smoke"), "smoke"),
        (SelectionPolicy(SelectionMode.PROFILE, "high_quality"), "high_quality"),
    ],
    ids=["stored-none", "default", "best-quality", "latest", "profile-smoke", "profile-hq"],
)
def test_an_untrained_model_answers_only_when_its_profile_is_named(
    db: Database, policy: SelectionPolicy | None, answer: str
) -> None:
    asset, runs = insert_runs(db, UNTRAINED_RUNS)
    by_profile = {run.profile: run for run in runs}
    assert selected(db, asset, policy) == {by_profile[answer].artifact_id}
    if policy is not None:  # the same policy stored, resolved by jump and find's statement
        with db.transaction() as session:
            SelectionPolicyManager(session).set_policy(asset, ARTIFACT_TYPE, policy)
        assert stored_pick(db, asset) == by_profile[answer].run_id


def test_an_untrained_model_answers_when_pinned_and_never_by_default(db: Database) -> None:
    asset, runs = insert_runs(db, UNTRAINED_RUNS[1:])
    assert selected(db, asset, None) == set()
    assert stored_pick(db, asset) is None
    pinned = SelectionPolicy(SelectionMode.PINNED, pinned_run_id=runs[1].run_id)
    assert selected(db, asset, pinned) == {runs[1].artifact_id}
    with db.transaction() as session:
        SelectionPolicyManager(session).set_policy(asset, ARTIFACT_TYPE, pinned)
    assert stored_pick(db, asset) == runs[1].run_id


@pytest.mark.parametrize(
    ("known", "profile", "revision", "stale"),
    [
        (True, "fast", "fast-now", False),
        (True, "fast", "fast-before", True),
        (True, "fast", "balanced-now", True),  # another profile's revision
        (True, "custom", "fast-now", True),  # a profile without a current revision
        (True, "fast", None, False),  # from before revisions were recorded
        (False, "fast", "fast-before", False),  # nothing known about revisions
    ],
)
def test_a_run_is_stale_only_under_another_known_revision_of_its_profile(
    known: bool, profile: str, revision: str | None, stale: bool
) -> None:
    session = Session()
    manager = knowing_revisions(session) if known else SelectionPolicyManager(session)
    assert manager.is_stale(ARTIFACT_TYPE, profile, revision) is stale


@pytest.mark.parametrize(
    ("mode", "fields", "field"),
    [
        (SelectionMode.PINNED, {}, "pinned_run_id"),
        (SelectionMode.PINNED, {"pinned_run_id": ""}, "pinned_run_id"),
        (SelectionMode.PINNED, {"preferred_profile": "fast"}, "pinned_run_id"),
        (SelectionMode.PROFILE, {}, "preferred_profile"),
        (SelectionMode.PROFILE, {"preferred_profile": ""}, "preferred_profile"),
        (SelectionMode.PROFILE, {"pinned_run_id": "r" * 32}, "preferred_profile"),
    ],
    ids=["pinned", "pinned-empty", "pinned-profile", "profile", "profile-empty", "profile-run"],
)
def test_incomplete_policy_is_refused_naming_the_field(
    mode: SelectionMode, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidSelectionPolicyError) as caught:
        SelectionPolicy(mode, **fields)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_plain_string_modes_are_validated_like_enum_members() -> None:
    with pytest.raises(InvalidSelectionPolicyError) as caught:
        SelectionPolicy("pinned")  # type: ignore[arg-type]
    assert caught.value.field == "pinned_run_id"
    assert SelectionPolicy("default").mode is SelectionMode.DEFAULT  # type: ignore[arg-type]
