"""Registration, planning and execution of runs in embedded mode, on both databases."""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from kombu.exceptions import OperationalError as BrokerUnreachableError
from sqlalchemy import func, select

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator import registration
from pipeline.coordinator.execution import execute_run, media_source
from pipeline.coordinator.executors import carry_out
from pipeline.coordinator.registration import register_video
from pipeline.coordinator.reports import Outcome, RunReport
from pipeline.coordinator.run_plans import PlannedRun, plan_runs
from pipeline.coordinator.timing import DEFAULT_TIMING, Timing
from pipeline.db.engine import Database
from pipeline.db.models import AnalysisHistory, Artifact, HistoryAction, RunStatus, Video
from pipeline.db.repositories import ArtifactRepository, RunRepository
from pipeline.db.types import utcnow
from pipeline.settings import load_settings
from support.analyzers import ScriptedAnalyzer
from support.synthetic import alternating_shots, write_video
from tests.support.factories import make_envelope, write_artifacts
from tests.support.stored import artifact_count, stored_embeddings


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("media") / "s.mp4", alternating_shots([20, 20]))


@pytest.fixture
def clip(sample: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy2(sample, tmp_path / "clip.mp4"))


@pytest.fixture
def scripted() -> ScriptedAnalyzer:
    return ScriptedAnalyzer(load_settings())


@pytest.fixture
def catalog(scripted: ScriptedAnalyzer) -> AnalyzerCatalog:
    catalog = AnalyzerCatalog(load_settings())
    catalog.register(scripted)
    return catalog


def plan(
    db: Database,
    catalog: AnalyzerCatalog,
    path: Path,
    *,
    profile: str = "fast",
    force: bool = False,
    resume: bool = False,
    timing: Timing = DEFAULT_TIMING,
    **config: object,
) -> PlannedRun:
    with db.transaction() as session:
        video = register_video(session, str(path)).video
        return plan_runs(
            session,
            catalog,
            video,
            ["scripted"],
            profile,
            {"scripted": config},
            force=force,
            resume=resume,
            timing=timing,
        )[0]


def count_artifacts(db: Database, run_id: str) -> int:
    with db.sessions() as session:
        return artifact_count(session, run_id)


def test_unchanged_file_is_not_read_again(
    db: Database, clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction() as session:
        first = register_video(session, str(clip))
    assert (first.rehashed, first.new_content) == (True, True)

    def no_reading(path: object) -> str:
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(registration, "hash_file", no_reading)
    with db.transaction() as session:
        again = register_video(session, str(clip))
    assert (again.rehashed, again.new_content) == (False, False)
    assert again.video.video_id == first.video.video_id
    monkeypatch.undo()

    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    copy = Path(shutil.copy(clip, tmp_path / "elsewhere.mp4"))
    with db.transaction() as session:
        touched = register_video(session, str(clip))
        copied = register_video(session, str(copy))
    assert touched.rehashed and not touched.new_content
    assert copied.rehashed and not copied.new_content
    assert touched.video.video_id == copied.video.video_id == first.video.video_id
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Video)) == 1


def test_a_run_records_its_whole_lifecycle(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    planned = plan(db, catalog, clip)
    assert planned.outcome is Outcome.QUEUED
    report = execute_run(db, catalog, planned.run.run_id, worker="test-worker")
    assert (report.outcome, report.artifact_count) == (Outcome.SUCCEEDED, 4)
    with db.sessions() as session:
        run = RunRepository(session).require(planned.run.run_id)
        video = session.get_one(Video, run.video_id)
        assert (run.status, run.attempts, run.progress, run.artifact_count) == (
            "succeeded",
            1,
            1.0,
            4,
        )
        assert run.worker == "test-worker"
        assert run.queued_at <= run.started_at <= run.heartbeat_at <= run.finished_at
        assert run.model_id.endswith("[UNTRAINED TEST MODEL]")
        stored = ArtifactRepository(session).get_by_asset(video.video_id, run_id=run.run_id)
        assert [a.payload["scene_index"] for a in stored] == [0, 1, 2, 3]
        for artifact in stored:
            assert artifact.model_id == run.model_id
            assert artifact.input_hash == video.content_hash
            assert (artifact.producer, artifact.producer_version) == ("scripted", "test-1")
            assert artifact.config_hash == run.config_hash
        history = session.scalars(select(AnalysisHistory)).all()
        assert [(h.action, h.status) for h in history] == [
            (HistoryAction.AUTO_REGENERATE, "success")
        ]


def test_cached_plan_loads_no_model_and_redelivery_is_a_no_op(
    db: Database, catalog: AnalyzerCatalog, scripted: ScriptedAnalyzer, clip: Path
) -> None:
    run_id = plan(db, catalog, clip).run.run_id
    execute_run(db, catalog, run_id)
    assert scripted.loads == 1
    cached = plan(db, catalog, clip)
    assert (cached.outcome, cached.run.run_id) == (Outcome.CACHED, run_id)
    redelivered = execute_run(db, catalog, run_id)  # a redelivered task
    assert (redelivered.outcome, redelivered.artifact_count) == (Outcome.SUCCEEDED, 4)
    assert scripted.loads == 1
    assert count_artifacts(db, run_id) == 4
    with db.sessions() as session:
        assert RunRepository(session).require(run_id).attempts == 1


def test_model_is_loaded_once_per_process(
    db: Database, catalog: AnalyzerCatalog, scripted: ScriptedAnalyzer, clip: Path
) -> None:
    for scenes in (2, 3, 5):
        execute_run(db, catalog, plan(db, catalog, clip, scenes=scenes).run.run_id)
    assert scripted.loads == 1


def test_a_half_done_run_replaces_its_own_artifacts(
    db: Database, catalog: AnalyzerCatalog, clip: Path, sample: Path
) -> None:
    run_id = plan(db, catalog, clip).run.run_id
    with db.transaction() as session:
        runs = RunRepository(session)
        run = runs.transition(runs.require(run_id), RunStatus.RUNNING)
        leftovers = [
            make_envelope(scene, asset_id=run.video_id, run_id=run_id)
            for scene in ScriptedAnalyzer(load_settings()).analyze(
                media_source(session.get_one(Video, run.video_id)),
                ScriptedAnalyzer(load_settings()).effective_config("fast", {}),
                lambda fraction: None,
            )
        ][:2]
        write_artifacts(session, leftovers)
        runs.transition(run, RunStatus.QUEUED)  # its worker was lost
    assert count_artifacts(db, run_id) == 2
    report = execute_run(db, catalog, run_id)
    assert (report.outcome, report.artifact_count) == (Outcome.SUCCEEDED, 4)
    assert count_artifacts(db, run_id) == 4
    with db.sessions() as session:
        assert RunRepository(session).require(run_id).attempts == 2


@pytest.mark.parametrize(
    ("outcome", "status", "code"),
    [
        ("crash", RunStatus.FAILED, "analyzer_error"),
        ("bad_input", RunStatus.FAILED, "corrupt_frames"),
        ("skip", RunStatus.SKIPPED, "no_audio"),
    ],
)
def test_failures_are_recorded_without_artifacts(
    db: Database,
    catalog: AnalyzerCatalog,
    clip: Path,
    outcome: str,
    status: RunStatus,
    code: str,
) -> None:
    run_id = plan(db, catalog, clip, outcome=outcome).run.run_id
    report = execute_run(db, catalog, run_id)
    assert (report.outcome, report.error_code) == (status, code)
    assert report.error_message
    assert count_artifacts(db, run_id) == 0
    with db.sessions() as session:
        run = RunRepository(session).require(run_id)
        assert run.finished_at is not None and run.error_code == code


def test_an_output_the_registry_rejects_fails_the_run_naming_item_and_field(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    run_id = plan(db, catalog, clip, outcome="invalid_output").run.run_id
    report = execute_run(db, catalog, run_id)
    assert (report.outcome, report.error_code) == (Outcome.FAILED, "invalid_output")
    assert report.error_message is not None
    assert "#2" in report.error_message and "scene_index" in report.error_message
    assert count_artifacts(db, run_id) == 0


def test_resume_continues_the_failed_run(
    db: Database, catalog: AnalyzerCatalog, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = plan(db, catalog, clip).run.run_id
    monkeypatch.setattr(ScriptedAnalyzer, "_act", staticmethod(_crash))
    assert execute_run(db, catalog, failed).outcome is Outcome.FAILED
    monkeypatch.undo()

    fresh = plan(db, catalog, clip)
    assert fresh.outcome is Outcome.QUEUED and fresh.run.run_id != failed
    with db.transaction() as session:
        runs = RunRepository(session)
        runs.transition(runs.require(fresh.run.run_id), RunStatus.CANCELLED)

    resumed = plan(db, catalog, clip, resume=True)
    assert resumed.outcome is Outcome.RESUMED
    assert resumed.run.run_id in {failed, fresh.run.run_id}
    report = execute_run(db, catalog, resumed.run.run_id)
    assert report.outcome is Outcome.SUCCEEDED
    assert plan(db, catalog, clip, resume=True).outcome is Outcome.CACHED


def _crash(outcome: str) -> None:
    raise RuntimeError("first attempt fails")


def test_force_makes_a_new_run_and_history_says_manual(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    first = plan(db, catalog, clip).run.run_id
    execute_run(db, catalog, first)
    forced = plan(db, catalog, clip, force=True)
    assert forced.outcome is Outcome.QUEUED and forced.run.run_id != first
    execute_run(db, catalog, forced.run.run_id)
    with db.sessions() as session:
        actions = [
            h.action for h in session.scalars(select(AnalysisHistory).order_by(AnalysisHistory.at))
        ]
        assert actions == [HistoryAction.AUTO_REGENERATE, HistoryAction.MANUAL_REGENERATE]
        assert session.scalar(select(func.count()).select_from(Artifact)) == 8


def test_cancel_while_running_stops_at_the_next_checkpoint(
    db: Database, catalog: AnalyzerCatalog, scripted: ScriptedAnalyzer, clip: Path
) -> None:
    run_id = plan(db, catalog, clip).run.run_id

    def cancel_from_outside() -> None:
        with db.transaction() as session:
            runs = RunRepository(session)
            runs.transition(runs.require(run_id), RunStatus.CANCELLED)

    scripted.midway_hook = cancel_from_outside
    report = execute_run(db, catalog, run_id, timing=Timing(progress_interval_s=0))
    assert report.outcome is Outcome.CANCELLED
    assert count_artifacts(db, run_id) == 0


def test_interrupt_cancels_the_run_and_propagates(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    run_id = plan(db, catalog, clip, outcome="interrupt").run.run_id
    with pytest.raises(KeyboardInterrupt):
        execute_run(db, catalog, run_id)
    with db.sessions() as session:
        run = RunRepository(session).require(run_id)
        assert (run.status, run.error_code) == ("cancelled", "interrupted")


def test_a_file_changed_after_registration_fails_the_run(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    run_id = plan(db, catalog, clip).run.run_id
    with clip.open("ab") as handle:
        handle.write(b"\0")
    report = execute_run(db, catalog, run_id)
    assert (report.outcome, report.error_code) == (Outcome.FAILED, "input_changed")


def test_embeddings_from_the_analyzer_are_stored_with_the_run(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    run_id = plan(db, catalog, clip, embed=True).run.run_id
    assert execute_run(db, catalog, run_id).outcome is Outcome.SUCCEEDED
    with db.sessions() as session:
        video_id = RunRepository(session).require(run_id).video_id
        stored = ArtifactRepository(session).get_by_asset(video_id, run_id=run_id)
        vectors = stored_embeddings(session, [a.artifact_id for a in stored])
    by_index = {a.payload["scene_index"]: vectors[a.artifact_id] for a in stored}
    assert by_index == {i: [float(i)] * 4 for i in range(4)}


def test_a_live_running_run_is_left_to_its_owner_until_silent_for_the_stale_time(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    run_id = plan(db, catalog, clip).run.run_id
    with db.transaction() as session:
        runs = RunRepository(session)
        runs.transition(runs.require(run_id), RunStatus.RUNNING)  # heartbeat: now
    live = plan(db, catalog, clip, resume=True)
    assert (live.outcome, live.run.run_id, live.run.status) == (
        Outcome.ALREADY_ACTIVE, run_id, "running",
    )  # fmt: skip
    with db.transaction() as session:
        silent = RunRepository(session).require(run_id)
        silent.heartbeat_at = utcnow() - timedelta(seconds=10)
    settings = load_settings({"EIOKU_STALE_AFTER": "5", "EIOKU_HEARTBEAT_INTERVAL": "1"})
    timing = Timing.from_settings(settings)
    assert (timing.stale_after_s, timing.heartbeat_interval_s) == (5, 1)

    assert plan(db, catalog, clip).outcome is Outcome.ALREADY_ACTIVE  # default: 120 s
    taken = plan(db, catalog, clip, timing=timing)
    assert (taken.outcome, taken.run.run_id, taken.run.status) == (
        Outcome.RESUMED, run_id, "queued",
    )  # fmt: skip


def test_cache_hits_add_no_history(db: Database, catalog: AnalyzerCatalog, clip: Path) -> None:
    execute_run(db, catalog, plan(db, catalog, clip).run.run_id)
    for _ in range(5):
        assert plan(db, catalog, clip).outcome is Outcome.CACHED
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AnalysisHistory)) == 1


def test_carry_out_reports_cached_delivered_and_not_sent(
    db: Database, catalog: AnalyzerCatalog, clip: Path
) -> None:
    execute_run(db, catalog, plan(db, catalog, clip).run.run_id)
    cached = plan(db, catalog, clip)
    fresh = plan(db, catalog, clip, scenes=5)
    unsent = plan(db, catalog, clip, scenes=3)

    def deliver(planned: PlannedRun) -> RunReport:
        if planned is unsent:
            raise BrokerUnreachableError("connection refused")
        return RunReport.of(planned.run, Outcome.QUEUED)

    reports = carry_out([cached, fresh, unsent], deliver)

    assert [report.outcome for report in reports] == [
        Outcome.CACHED, Outcome.QUEUED, Outcome.NOT_SENT,
    ]  # fmt: skip
    assert reports[2].error_code == "broker" and "submit again" in (reports[2].error_message or "")
    assert [report.run_id for report in reports] == [p.run.run_id for p in (cached, fresh, unsent)]
