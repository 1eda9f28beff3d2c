"""Scene inputs (pipeline.coordinator.scene_inputs), on both databases: when a video has a
succeeded scenes run, the analyzers planned for it are given its scenes — a scene cut
makes skip-unchanged look at the first sampled frame after it, places classifies the
middle frame of each scene — and the scenes are part of those runs' cache keys. Without a
scenes run, configs and cache keys are those of before scene inputs existed."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.cache_diff import DescriptorStatus, cache_diff
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.coordinator.reports import Outcome, RunReport
from pipeline.db.engine import Database
from pipeline.db.models import Run, SelectionMode
from pipeline.db.repositories import (
    ArtifactRepository,
    RunRepository,
    SelectionPolicy,
    SelectionPolicyManager,
)
from pipeline.db.repositories.cache import CacheRepository
from pipeline.settings import load_settings
from support.synthetic import alternating_shots, write_stills_video, write_video
from tests.support.cli import Eioku
from tests.test_skip_unchanged import picture, same_faces
from workers.analyzers import face_detection

FPS = 5
CUT_MS = 3400  # Zidane until 3.4 s, then the bus: between the samples at 3 s and 4 s

# Every difference counts as unchanged and nothing is looked at again for a minute:
# without scenes the model sees the first sample only, whatever the cut does to the luma.
CARRY_EVERYTHING = {"max_side": 640, "skip_threshold": 255.0, "max_skip_ms": 60_000}
EVERY_FRAME = {"max_side": 640, "skip_unchanged": False}


@pytest.fixture(autouse=True)
def eioku_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIOKU_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def cut_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cut") / "cut.mp4"
    stills = [(picture("zidane.jpg"), CUT_MS * FPS // 1000), (picture("bus.jpg"), 18)]
    return write_stills_video(path, stills, fps=FPS)


@pytest.fixture(scope="module")
def shots_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scenes 0-2 s, 2-3 s and 3-6 s."""
    path = tmp_path_factory.mktemp("shots") / "shots.mp4"
    return write_video(path, alternating_shots([50, 25, 75]), fps=25, size=(160, 96))


@dataclass
class Calls:
    count: int = 0


@pytest.fixture
def detector_calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """How often faces calls its (real) detector: once per frame the model sees."""
    calls = Calls()
    detect: Callable[..., Any] = face_detection.detect_faces

    def counted(*args: Any, **options: Any) -> Any:
        calls.count += 1
        return detect(*args, **options)

    monkeypatch.setattr(face_detection, "detect_faces", counted)
    return calls


def analyze(
    db: Database,
    path: Path,
    analyzers: list[str],
    profile: str = "fast",
    *,
    force: bool = False,
    **overrides: Any,
) -> list[RunReport]:
    request = AnalysisRequest(analyzers, profile, overrides, force=force)
    report = analyze_file(db, AnalyzerCatalog(load_settings()), str(path), request)
    assert report.error_code is None, report.error_message
    return report.runs


def only(reports: list[RunReport], analyzer: str) -> RunReport:
    [report] = [report for report in reports if report.analyzer == analyzer]
    return report


def stored_run(db: Database, run_id: str) -> Run:
    with db.sessions() as session:
        return RunRepository(session).require(run_id)


def payloads(db: Database, run_id: str) -> list[dict]:
    with db.sessions() as session:
        run = RunRepository(session).require(run_id)
        found = ArtifactRepository(session).get_by_asset(run.video_id, run_id=run_id)
    return [envelope.payload for envelope in found]


def statuses(db: Database) -> dict[str, DescriptorStatus]:
    with db.sessions() as session:
        [diff] = cache_diff(
            session, AnalyzerCatalog(load_settings()), CacheRepository(session).videos(None)
        )
    return {state.descriptor: state.status for state in diff.profiles[0].descriptors}


def test_a_cut_the_luma_does_not_show_is_analysed_once_a_scenes_run_exists(
    db: Database, cut_clip: Path, detector_calls: Calls
) -> None:
    without = only(analyze(db, cut_clip, ["faces"], faces=CARRY_EVERYTHING), "faces")
    assert (without.outcome, detector_calls.count) == (Outcome.SUCCEEDED, 1)
    assert "scene_cuts_ms" not in stored_run(db, without.run_id).config

    [scenes] = analyze(db, cut_clip, ["scenes"])
    assert scenes.outcome is Outcome.SUCCEEDED and scenes.artifact_count == 2
    detector_calls.count = 0
    cut = only(analyze(db, cut_clip, ["faces"], faces=CARRY_EVERYTHING), "faces")
    assert (cut.outcome, detector_calls.count) == (Outcome.SUCCEEDED, 2)
    assert stored_run(db, cut.run_id).config["scene_cuts_ms"] == [CUT_MS]

    detector_calls.count = 0
    every = only(analyze(db, cut_clip, ["faces"], faces=EVERY_FRAME), "faces")
    assert detector_calls.count == 7  # one sample per second of the 7 s clip
    expected = payloads(db, every.run_id)
    assert same_faces(payloads(db, cut.run_id), expected)
    assert not same_faces(payloads(db, without.run_id), expected)  # Zidane carried over


def test_scenes_enter_the_cache_key_not_the_revision(db: Database, cut_clip: Path) -> None:
    without = only(analyze(db, cut_clip, ["faces"]), "faces")
    analyze(db, cut_clip, ["scenes"])
    with_cuts = only(analyze(db, cut_clip, ["faces"]), "faces")
    assert with_cuts.outcome is Outcome.SUCCEEDED
    assert with_cuts.cache_key != without.cache_key
    revisions = {stored_run(db, run.run_id).revision for run in (without, with_cuts)}
    assert len(revisions) == 1
    assert statuses(db) == {"faces": DescriptorStatus.CURRENT, "scenes": DescriptorStatus.CURRENT}

    # the same scenes found again by a new run: the same key, the faces run is cached
    [again] = analyze(db, cut_clip, ["scenes"], force=True)
    assert again.outcome is Outcome.SUCCEEDED
    cached = only(analyze(db, cut_clip, ["faces"]), "faces")
    assert (cached.outcome, cached.run_id) == (Outcome.CACHED, with_cuts.run_id)

    # a balanced run that found no cut, with a request override: not at its profile's
    # revision, so the selection policy (best quality) keeps the current fast run's cut
    [uncut] = analyze(db, cut_clip, ["scenes"], "balanced", scenes={"threshold": 255.0})
    assert uncut.artifact_count == 1
    kept = only(analyze(db, cut_clip, ["faces"]), "faces")
    assert (kept.outcome, kept.run_id) == (Outcome.CACHED, with_cuts.run_id)

    # a stored policy pinning the uncut run: the key is that of no scenes at all
    with db.transaction() as session:
        video_id = stored_run(db, uncut.run_id).video_id
        pinned = SelectionPolicy(SelectionMode.PINNED, pinned_run_id=uncut.run_id)
        SelectionPolicyManager(session).set_policy(video_id, "scene", pinned)
    back = only(analyze(db, cut_clip, ["faces"]), "faces")
    assert (back.outcome, back.run_id) == (Outcome.CACHED, without.run_id)


def test_one_analyze_runs_scenes_first_and_a_second_one_is_all_cached(
    db: Database, cut_clip: Path, tmp_path: Path
) -> None:
    eioku = Eioku(db, tmp_path / "home")
    settings = [f"faces.{key}={value}" for key, value in CARRY_EVERYTHING.items()]
    command = ["analyze", str(cut_clip), "-a", "faces,scenes", "--json"]
    command += [argument for setting in settings for argument in ("--set", setting)]
    result = eioku(*command)
    assert result.code == 0, result.stderr
    runs = result.json()[0]["runs"]
    assert [(run["analyzer"], run["outcome"]) for run in runs] == [
        ("scenes", "succeeded"),
        ("faces", "succeeded"),
    ]
    assert stored_run(db, runs[1]["run_id"]).config["scene_cuts_ms"] == [CUT_MS]
    again = eioku(*command).json()[0]["runs"]
    assert [run["outcome"] for run in again] == ["cached", "cached"]
    assert [run["run_id"] for run in again] == [run["run_id"] for run in runs]


def test_places_classifies_the_middle_of_each_scene_of_the_scenes_run(
    db: Database, shots_clip: Path
) -> None:
    interval = only(analyze(db, shots_clip, ["places"], "smoke"), "places")
    timestamps = [item["timestamp_ms"] for item in payloads(db, interval.run_id)]
    assert timestamps == [0, 1000, 2000, 3000, 4000, 5000]

    [scenes] = analyze(db, shots_clip, ["scenes"])
    assert scenes.artifact_count == 3
    middle = only(analyze(db, shots_clip, ["places"], "smoke"), "places")
    run = stored_run(db, middle.run_id)
    assert run.config["scene_spans_ms"] == [[0, 2000], [2000, 3000], [3000, 6000]]
    assert run.cache_key != interval.cache_key
    assert run.revision == stored_run(db, interval.run_id).revision
    assert [item["timestamp_ms"] for item in payloads(db, middle.run_id)] == [1000, 2480, 4480]


def test_the_users_own_scenes_win(db: Database, shots_clip: Path) -> None:
    analyze(db, shots_clip, ["scenes"])
    spans = [[0, 6000]]
    [own] = analyze(db, shots_clip, ["places"], "smoke", places={"scene_spans_ms": spans})
    assert stored_run(db, own.run_id).config["scene_spans_ms"] == spans
    assert [item["timestamp_ms"] for item in payloads(db, own.run_id)] == [3000]
