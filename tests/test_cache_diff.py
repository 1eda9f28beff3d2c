"""Intents, the cache diff, regeneration, dismissal and the history, on both databases,
with scripted analyzers whose engine version and weights a test can change."""

from pathlib import Path
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.profiles import ProfileBook
from pipeline.coordinator.cache_diff import DescriptorStatus, Revisions, VideoDiff, cache_diff
from pipeline.coordinator.executors import carry_out
from pipeline.coordinator.in_process import in_process_executor
from pipeline.coordinator.planning import AnalysisRequest, plan_file
from pipeline.coordinator.regeneration import (
    RegenerationBlockedError,
    TargetFilter,
    plan_regeneration,
    replace_blocked_intents,
    select_targets,
)
from pipeline.coordinator.reports import Outcome
from pipeline.coordinator.timing import DEFAULT_TIMING
from pipeline.db.engine import Database
from pipeline.db.models import (
    AnalysisHistory,
    Artifact,
    HistoryAction,
    HistoryStatus,
    Intent,
    Run,
    RunStatus,
)
from pipeline.db.repositories import HistoryRepository
from pipeline.db.repositories.cache import CacheRepository
from pipeline.db.repositories.intents import IntentRepository
from pipeline.db.types import utcnow
from pipeline.settings import load_settings
from support.analyzers import ScriptedAnalyzer
from tests.support.factories import clear_tables, make_run, make_video
from tests.support.stored import analyzer_rows

S = DescriptorStatus


class Tunable(ScriptedAnalyzer):
    """A scripted analyzer whose name, engine version and weights are instance state."""

    def __init__(self, name: str) -> None:
        super().__init__(load_settings())
        self.name = name  # type: ignore[misc]
        self.engine = "test-1"
        self.weights = "ab" * 32

    @property
    def engine_version(self) -> str:
        return self.engine

    def model_identity(self, config):  # type: ignore[no-untyped-def]
        from pipeline.analysis.contract import ModelIdentity

        return ModelIdentity("tunable", self.weights)


@pytest.fixture
def analyzers() -> dict[str, Tunable]:
    return {name: Tunable(name) for name in ("alpha", "beta")}


def catalog_with(
    analyzers: dict[str, Tunable], profiles: ProfileBook | None = None
) -> AnalyzerCatalog:
    catalog = AnalyzerCatalog(load_settings(), profiles=profiles)
    for analyzer in analyzers.values():
        catalog.register(analyzer)
    return catalog


def book(tmp_path: Path, text: str) -> ProfileBook:
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    return ProfileBook.load(path)


def analyze(
    db: Database, catalog: AnalyzerCatalog, path: Path, names: list[str], profile: str = "fast"
) -> list[Outcome]:
    planned = plan_file(db, catalog, str(path), AnalysisRequest(names, profile, {}))
    runs = carry_out(planned.planned, in_process_executor(db, catalog, None, DEFAULT_TIMING))
    return [run.outcome for run in runs]


def diff_of(db: Database, catalog: AnalyzerCatalog) -> list[VideoDiff]:
    with db.sessions() as session:
        return cache_diff(session, catalog, CacheRepository(session).videos(None))


def statuses(db: Database, catalog: AnalyzerCatalog) -> dict[tuple[str, str], S]:
    return {
        (group.profile, state.descriptor): state.status
        for video in diff_of(db, catalog)
        for group in video.profiles
        for state in group.descriptors
    }


def regenerate(db: Database, catalog: AnalyzerCatalog) -> list[Outcome]:
    targets = select_targets(diff_of(db, catalog), TargetFilter())
    planned = plan_regeneration(db, catalog, targets, home=load_settings().home, on_deferred=print)
    deliver = in_process_executor(db, catalog, None, DEFAULT_TIMING)
    return [run.outcome for run in carry_out(planned, deliver)]


def count(db: Database, model: type) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_unchanged_intent_records_nothing_and_triggers_nothing(
    db: Database, analyzers: dict[str, Tunable], tiny_video: Path
) -> None:
    catalog = catalog_with(analyzers)
    assert analyze(db, catalog, tiny_video, ["alpha", "beta"]) == [Outcome.SUCCEEDED] * 2
    with db.sessions() as session:
        before = session.scalars(select(Intent)).one()
        recorded_at, digest = before.requested_at, before.intent_hash
    runs, history = count(db, Run), count(db, AnalysisHistory)

    assert analyze(db, catalog, tiny_video, ["beta", "alpha"]) == [Outcome.CACHED] * 2
    with db.transaction() as session:
        again = session.scalars(select(Intent)).one()
        assert (again.requested_at, again.intent_hash) == (recorded_at, digest)
        assert not IntentRepository(session).add(again.video_id, "fast", ["alpha"], "cli")
    assert (count(db, Run), count(db, AnalysisHistory)) == (runs, history)
    assert analyzers["alpha"].loads == 1  # nothing was evaluated again


def test_diff_permutations_missing_current_stale_extraneous(
    db: Database, analyzers: dict[str, Tunable], tiny_video: Path, tmp_path: Path
) -> None:
    catalog = catalog_with(analyzers)
    analyze(db, catalog, tiny_video, ["alpha"])
    with db.transaction() as session:
        video_id = session.scalars(select(Intent.video_id)).one()
        IntentRepository(session).add(video_id, "fast", ["beta"], "cli")
    assert statuses(db, catalog) == {("fast", "alpha"): S.CURRENT, ("fast", "beta"): S.MISSING}

    analyzers["alpha"].weights = "cd" * 32  # new weights: stale
    assert statuses(db, catalog)[("fast", "alpha")] is S.STALE
    analyzers["alpha"].weights = "ab" * 32
    assert statuses(db, catalog)[("fast", "alpha")] is S.CURRENT
    analyzers["alpha"].engine = "test-2"  # engine bump: stale
    assert statuses(db, catalog)[("fast", "alpha")] is S.STALE
    analyzers["alpha"].engine = "test-1"
    edited = catalog_with(analyzers, book(tmp_path, "[profiles.fast.alpha]\nscenes = 3\n"))
    assert statuses(db, edited)[("fast", "alpha")] is S.STALE  # settings changed

    with db.transaction() as session:
        IntentRepository(session).declare(video_id, "fast", ["beta"], "cli")
    diff = diff_of(db, catalog)
    group = diff[0].profiles[0]
    assert (group.named(S.EXTRANEOUS), group.named(S.MISSING)) == (["alpha"], ["beta"])
    assert group.descriptors_cached == ["alpha"] and group.descriptors_requested == ["beta"]
    assert group.summary == (
        "1 descriptor requires regeneration to match the 'fast' profile. "
        "1 descriptor is cached but no longer requested."
    )
    alpha = group.descriptors[0]
    assert alpha.last_analyzed_at is not None and alpha.run_id is not None


def test_stale_regenerates_to_current_leaving_other_descriptors_untouched(
    db: Database, analyzers: dict[str, Tunable], tiny_video: Path, tmp_path: Path
) -> None:
    catalog = catalog_with(analyzers)
    analyze(db, catalog, tiny_video, ["alpha", "beta"])
    beta_before = analyzer_rows(db, "beta")
    edited = catalog_with(analyzers, book(tmp_path, "[profiles.fast.alpha]\nscenes = 2\n"))
    assert statuses(db, edited)[("fast", "alpha")] is S.STALE

    assert regenerate(db, edited) == [Outcome.SUCCEEDED]
    assert set(statuses(db, edited).values()) == {S.CURRENT}
    assert regenerate(db, edited) == []  # nothing left to do
    beta_after = analyzer_rows(db, "beta")
    with db.sessions() as session:
        entry = HistoryRepository(session).entries()[0]
    assert beta_after == beta_before
    assert (entry.action, entry.reason, entry.status, entry.descriptors) == (
        HistoryAction.MANUAL_REGENERATE,
        "stale",
        HistoryStatus.SUCCESS,
        ["alpha"],
    )


def test_a_failed_regeneration_is_recorded_and_succeeds_when_run_again(
    db: Database, analyzers: dict[str, Tunable], tiny_video: Path, tmp_path: Path
) -> None:
    catalog = catalog_with(analyzers)
    analyze(db, catalog, tiny_video, ["alpha"])
    broken = catalog_with(analyzers, book(tmp_path, '[profiles.fast.alpha]\noutcome = "crash"\n'))
    assert regenerate(db, broken) == [Outcome.FAILED]
    with db.sessions() as session:
        assert HistoryRepository(session).entries()[0].status == HistoryStatus.FAILURE
    assert statuses(db, broken)[("fast", "alpha")] is S.STALE

    analyzers["alpha"].engine = "test-2"  # the cause is fixed (a new engine)
    fixed = catalog_with(analyzers, book(tmp_path, "[profiles.fast.alpha]\nscenes = 2\n"))
    assert regenerate(db, fixed) == [Outcome.SUCCEEDED]
    assert statuses(db, fixed) == {("fast", "alpha"): S.CURRENT}


def test_a_deleted_profile_blocks_with_the_message_until_replaced(
    db: Database, analyzers: dict[str, Tunable], tiny_video: Path, tmp_path: Path
) -> None:
    with_meeting = catalog_with(analyzers, book(tmp_path, "[profiles.meeting.alpha]\nscenes = 2\n"))
    analyze(db, with_meeting, tiny_video, ["alpha"], profile="meeting")
    assert statuses(db, with_meeting) == {("meeting", "alpha"): S.CURRENT}

    without = catalog_with(analyzers)
    group = diff_of(db, without)[0].profiles[0]
    message = "profile 'meeting' no longer exists; choose a replacement with --profile"
    assert group.blocked == message and group.named(S.MISSING) == ["alpha"]
    with pytest.raises(RegenerationBlockedError, match="no longer exists; choose a replacement"):
        select_targets(diff_of(db, without), TargetFilter())

    with db.transaction() as session:
        assert replace_blocked_intents(session, without, None, "high_quality", "cli") == 1
    found = statuses(db, without)
    assert found[("high_quality", "alpha")] is S.MISSING
    assert found[("meeting", "alpha")] is S.EXTRANEOUS


def test_dismissed_entries_leave_the_diff_and_prune_deletes_their_artifacts(
    db: Database, analyzers: dict[str, Tunable], tiny_video: Path
) -> None:
    catalog = catalog_with(analyzers)
    analyze(db, catalog, tiny_video, ["alpha", "beta"])
    with db.transaction() as session:
        video_id = session.scalars(select(Intent.video_id)).one()
        IntentRepository(session).declare(video_id, "fast", ["beta"], "cli")
        assert CacheRepository(session).dismiss(video_id, "alpha", "fast") == 1
    assert statuses(db, catalog) == {("fast", "beta"): S.CURRENT}
    with db.transaction() as session:
        cache = CacheRepository(session)
        assert cache.dismissed_counts() == (1, 4)
        assert cache.prune_dismissed() == 4
        assert cache.dismissed_counts() == (0, 0)
    assert count(db, Artifact) == 4


def test_history_keeps_the_newest_n_and_the_entry_just_written(
    db: Database, tiny_video: Path, analyzers: dict[str, Tunable]
) -> None:
    analyze(db, catalog_with(analyzers), tiny_video, ["alpha"])
    with db.transaction() as session:
        video_id = session.scalars(select(Intent.video_id)).one()
        history = HistoryRepository(session, retention=5)
        written = [
            history.record(
                video_id=video_id,
                descriptors=["alpha"],
                profile="fast",
                action=HistoryAction.DISMISSED,
                status=HistoryStatus.SUCCESS,
            ).id
            for _ in range(12)
        ]
        kept = [entry.id for entry in history.entries(limit=100)]
    assert kept == written[-1:-6:-1]
    with db.transaction() as session:
        one = HistoryRepository(session, retention=1)
        last = one.record(
            video_id=video_id,
            descriptors=["beta"],
            profile="fast",
            action=HistoryAction.DISMISSED,
            status=HistoryStatus.SUCCESS,
        ).id
        assert [entry.id for entry in one.entries()] == [last]


Cached = Literal["none", "current", "stale", "dismissed"]
STATES = st.fixed_dictionaries(
    {name: st.tuples(st.booleans(), st.sampled_from(["none", "current", "stale", "dismissed"]))
     for name in ("alpha", "beta")}
)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(states=STATES)
def test_every_combination_of_requested_and_cached_has_one_status(
    db: Database, analyzers: dict[str, Tunable], states: dict[str, tuple[bool, Cached]]
) -> None:
    """Requested and current: Current; requested, only other revisions: Stale; requested,
    nothing (or only dismissed): Missing; cached, not requested: Extraneous; else absent."""
    clear_tables(db)
    catalog = catalog_with(analyzers)
    revisions = Revisions(catalog)
    with db.transaction() as session:
        video = make_video(session)
        requested = [name for name, (wanted, _) in states.items() if wanted]
        if requested:
            IntentRepository(session).declare(video.video_id, "fast", requested, "cli")
        for name, (_, cached) in states.items():
            if cached == "none":
                continue
            current = revisions.get(name, "fast").value
            make_run(
                session, video.video_id, analyzer=name, status=RunStatus.SUCCEEDED,
                revision=current if cached != "stale" else "0" * 64,
                dismissed_at=utcnow() if cached == "dismissed" else None,
            )  # fmt: skip
    expected = {}
    for name, (wanted, cached) in states.items():
        visible = cached in ("current", "stale")
        if wanted:
            expected[("fast", name)] = (
                S.MISSING if not visible else S.CURRENT if cached == "current" else S.STALE
            )
        elif visible:
            expected[("fast", name)] = S.EXTRANEOUS
    assert statuses(db, catalog) == expected
