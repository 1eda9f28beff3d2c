"""Issue #27 (3): by default a query answers with the run whose profile revision is
current, the run `analyze` and the cache diff call current, not the one that finished
last; a stale run answers only where no current one exists, and says so. On SQLite and
PostgreSQL, through the CLI, the HTTP API and the planner's scene inputs."""

import shutil
from pathlib import Path

import pytest

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.profiles import ProfileBook
from pipeline.coordinator.current_revisions import CurrentRevisions
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.coordinator.scene_inputs import SceneInputs
from pipeline.db.engine import Database
from pipeline.db.repositories import ArtifactRepository, RunRepository
from pipeline.settings import PROFILE_ORDER_DEFAULT, load_settings
from schemas.payloads import ObjectDetection, Scene
from support.synthetic import alternating_shots, write_video
from tests.support.api import api_client
from tests.support.cli import Eioku

OVERRIDE = "[profiles.fast.scenes]\nthreshold = 31.0\n"
NO_CUTS = "[profiles.fast.scenes]\nthreshold = 255.0\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def eioku(db: Database, home: Path) -> Eioku:
    return Eioku(db, home)


@pytest.fixture
def clip(tiny_video: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy2(tiny_video, tmp_path / "clip.mp4"))


def analyzed_run(eioku: Eioku, clip: Path) -> tuple[str, str]:
    result = eioku("analyze", str(clip), "-a", "scenes", "--json")
    assert result.code == 0, result.stderr
    [run] = result.json()[0]["runs"]
    return run["run_id"], run["outcome"]


def answering_runs(eioku: Eioku, clip: Path) -> set[str]:
    listed = eioku("artifacts", str(clip), "--type", "scene", "--json")
    assert listed.code == 0, listed.stderr
    return {artifact["run_id"] for artifact in listed.json()}


def jumped(eioku: Eioku, clip: Path) -> tuple[str, bool]:
    result = eioku("jump", str(clip), "-k", "scene", "--json")
    assert result.code == 0, result.stderr
    return result.json()["run_id"], result.json()["stale"]


def test_removing_a_profile_override_brings_back_the_current_run(
    eioku: Eioku, home: Path, clip: Path
) -> None:
    current, _ = analyzed_run(eioku, clip)
    (home / "profiles.toml").write_text(OVERRIDE)
    overridden, outcome = analyzed_run(eioku, clip)
    assert (outcome, overridden != current) == ("succeeded", True)
    assert answering_runs(eioku, clip) == {overridden}

    (home / "profiles.toml").unlink()
    again, outcome = analyzed_run(eioku, clip)
    assert (again, outcome) == (current, "cached")
    # the run that finished last was computed under the removed override: stale
    assert answering_runs(eioku, clip) == {current}
    assert jumped(eioku, clip) == (current, False)
    human = eioku("jump", str(clip), "-k", "scene")
    assert human.code == 0 and "stale" not in human.stdout


def test_without_a_current_run_the_stale_one_answers_and_says_so(
    eioku: Eioku, home: Path, clip: Path
) -> None:
    (home / "profiles.toml").write_text(OVERRIDE)
    overridden, _ = analyzed_run(eioku, clip)
    assert jumped(eioku, clip) == (overridden, False)

    (home / "profiles.toml").unlink()  # nothing computed under the built-in profile yet
    assert jumped(eioku, clip) == (overridden, True)
    assert answering_runs(eioku, clip) == {overridden}
    human = eioku("jump", str(clip), "-k", "scene")
    assert human.code == 0, human.stderr
    assert f"note: run {overridden} is stale" in human.stdout


def test_the_server_follows_an_edited_profiles_file_without_a_restart(
    db: Database, eioku: Eioku, home: Path, clip: Path, tmp_path: Path
) -> None:
    current, _ = analyzed_run(eioku, clip)
    video_id = eioku("status", str(clip), "--json").json()[0]["video_id"]
    with api_client(db, home) as client:

        def answer() -> tuple[str, bool]:
            found = client.get(f"/v1/videos/{video_id}/jump", params={"kind": "scene"})
            assert found.status_code == 200, found.text
            return found.json()["run_id"], found.json()["stale"]

        assert answer() == (current, False)
        (home / "profiles.toml").write_text(OVERRIDE)
        assert answer() == (current, True)
        overridden, _ = analyzed_run(eioku, clip)
        assert answer() == (overridden, False)
        (home / "profiles.toml").unlink()
        assert answer() == (current, False)


@pytest.fixture(scope="module")
def shots_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scenes 0-2 s, 2-3 s and 3-6 s."""
    path = tmp_path_factory.mktemp("shots") / "shots.mp4"
    return write_video(path, alternating_shots([50, 25, 75]), fps=25, size=(160, 96))


def scene_spans(db: Database, run_id: str) -> list[tuple[int, int]]:
    with db.sessions() as session:
        run = RunRepository(session).require(run_id)
        found = ArtifactRepository(session).get_by_asset(run.video_id, run_id=run_id)
    return [(scene.span_start_ms, scene.span_end_ms) for scene in found]


def test_the_planner_hands_over_the_scenes_of_the_current_run(
    db: Database, shots_clip: Path, tmp_path: Path
) -> None:
    plain = AnalyzerCatalog(load_settings())
    (tmp_path / "no-cuts.toml").write_text(NO_CUTS)
    without_cuts = AnalyzerCatalog(
        load_settings(), profiles=ProfileBook.load(tmp_path / "no-cuts.toml")
    )
    request = AnalysisRequest(["scenes"], "fast", {})
    [cut] = analyze_file(db, plain, str(shots_clip), request).runs
    [uncut] = analyze_file(db, without_cuts, str(shots_clip), request).runs  # finished last
    assert len(scene_spans(db, cut.run_id)) == 3 and len(scene_spans(db, uncut.run_id)) == 1

    with db.sessions() as session:
        video_id = RunRepository(session).require(cut.run_id).video_id
        for catalog, run in ((plain, cut), (without_cuts, uncut)):
            scenes = SceneInputs(session, catalog, video_id, PROFILE_ORDER_DEFAULT)
            assert scenes.spans == scene_spans(db, run.run_id)


def test_kept_revisions_follow_the_weights_in_the_models_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    monkeypatch.setenv("EIOKU_MODELS_DIR", str(models))
    revisions = CurrentRevisions(AnalyzerCatalog(load_settings()), models)
    before = revisions.of_type(ObjectDetection.ARTIFACT_TYPE)
    assert {profile for profile, _ in before} >= {"fast", "balanced", "high_quality", "smoke"}
    assert revisions.of_type(ObjectDetection.ARTIFACT_TYPE) is before  # kept
    assert revisions.of_type(Scene.ARTIFACT_TYPE) != before

    models.mkdir()
    (models / "yolo11n.pt").write_bytes(b"weights")  # the fast profile's model appears
    fetched = revisions.of_type(ObjectDetection.ARTIFACT_TYPE)
    assert dict(fetched)["fast"] != dict(before)["fast"]
    assert dict(fetched)["balanced"] == dict(before)["balanced"]

    (models / "yolo11n.pt").write_bytes(b"other weights")  # the same file, replaced
    replaced = revisions.of_type(ObjectDetection.ARTIFACT_TYPE)
    assert dict(replaced)["fast"] not in (dict(before)["fast"], dict(fetched)["fast"])
