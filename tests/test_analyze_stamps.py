"""Analyze stamps: a plain `eioku analyze` already answered is answered from its stamp,
word for word as the planner would, and any change to what that answer depends on makes
the stamp miss (then the planner answers). Real SQLite, real analyzers, the real CLI."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, text, update
from typer.testing import CliRunner

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli.main import app
from pipeline.cli.render import file_report_dict
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.coordinator.reports import FileReport
from pipeline.db.engine import Database
from pipeline.db.migrate import head_revision
from pipeline.db.models import ArtifactSelection, Intent, Run, SelectionMode, VideoFile
from pipeline.db.types import utcnow
from pipeline.settings import load_settings
from pipeline.stamps import inputs, record
from pipeline.stamps.inputs import TypedRequest
from pipeline.stamps.lookup import sqlite_file, stamped_reports
from pipeline.stamps.record import record_stamp
from support.synthetic import alternating_shots, write_video
from tests.support.cli import Eioku
from tests.support.distributed import REPO
from tests.support.factories import clear_tables
from workers.analyzers.face_models import default_models_dir

SCENES = TypedRequest("scenes", None, ())
SCENES_AND_FACES = TypedRequest("scenes,faces", None, ())
HEAVY_MODULES = ("sqlalchemy", "alembic", "celery", "av", "cv2", "numpy", "dlib")


@pytest.fixture
def db(sqlite_database: Database) -> Database:
    clear_tables(sqlite_database)
    return sqlite_database


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    return Eioku(db, tmp_path / "home")


def cli_args(request: TypedRequest, clip: Path, *extra: str) -> list[str]:
    args = ["analyze", str(clip), "-a", request.analyzers, *extra]
    if request.profile:
        args += ["-p", request.profile]
    for setting in request.overrides:
        args += ["--set", setting]
    return args


def stamped(eioku: Eioku, request: TypedRequest, clip: Path) -> list[dict] | None:
    reports = stamped_reports(load_settings(eioku.env), request, [str(clip)], eioku.env)
    return None if reports is None else [report_json(report) for report in reports]


def report_json(report: FileReport) -> dict:
    return json.loads(json.dumps(file_report_dict(report)))


def planner_answer(eioku: Eioku, request: TypedRequest, clip: Path) -> list[dict]:
    """What the planner answers, stamps switched off."""
    env = {**eioku.env, "EIOKU_ANALYZE_STAMPS": "off"}
    result = CliRunner().invoke(app, cli_args(request, clip, "--json"), env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def analyzed(eioku: Eioku, request: TypedRequest, clip: Path) -> list[dict]:
    result = eioku(*cli_args(request, clip, "--json"))
    assert result.code == 0, result.stderr
    return result.json()


def outcomes(reports: list[dict]) -> list[str]:
    return [run["outcome"] for report in reports for run in report["runs"]]


def fresh_interpreter(eioku: Eioku, args: list[str]) -> tuple[str, list[str]]:
    """stdout of `eioku ARGS` in a new interpreter, and which heavy modules it imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli.main", *args],
        env=eioku.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done.stdout, sorted(imported & set(HEAVY_MODULES))


def test_a_stamped_answer_is_the_planners_word_for_word_without_the_heavy_imports(
    eioku: Eioku, clip: Path
) -> None:
    first = analyzed(eioku, SCENES_AND_FACES, clip)
    assert outcomes(first) == ["succeeded", "succeeded"]
    assert stamped(eioku, SCENES_AND_FACES, clip) == planner_answer(eioku, SCENES_AND_FACES, clip)

    off = {**eioku.env, "EIOKU_ANALYZE_STAMPS": "off"}
    for extra in ([], ["--json"]):
        args = cli_args(SCENES_AND_FACES, clip, *extra)
        fast, heavy = fresh_interpreter(eioku, args)
        assert heavy == []
        planned = subprocess.run(
            [sys.executable, "-m", "pipeline.cli.main", *args],
            env=off,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        assert fast == planned.stdout
    assert "cached" in fast and outcomes(json.loads(fast)) == ["cached", "cached"]


def test_the_planner_writes_a_stamp_the_first_time_and_after_every_miss(
    eioku: Eioku, clip: Path
) -> None:
    assert stamped(eioku, SCENES, clip) is None
    analyzed(eioku, SCENES, clip)
    assert outcomes(stamped(eioku, SCENES, clip) or []) == ["cached"]
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    assert stamped(eioku, SCENES, clip) is None
    assert outcomes(analyzed(eioku, SCENES, clip)) == ["cached"]  # same bytes, new stat
    assert stamped(eioku, SCENES, clip) == planner_answer(eioku, SCENES, clip)


def _dismiss_runs(db: Database, clip: Path, home: Path) -> None:
    with db.transaction() as session:
        session.execute(update(Run).values(dismissed_at=utcnow()))


def _shrink_intent(db: Database, clip: Path, home: Path) -> None:
    with db.transaction() as session:
        session.execute(update(Intent).values(descriptors=[], intent_hash="changed"))


def _pin_a_selection(db: Database, clip: Path, home: Path) -> None:
    with db.transaction() as session:
        run = session.query(Run).first()
        if run is None:
            return
        session.execute(delete(ArtifactSelection))
        session.execute(
            insert(ArtifactSelection).values(
                asset_id=run.video_id,
                artifact_type=run.artifact_type,
                mode=SelectionMode.PINNED,
                pinned_run_id=run.run_id,
            )
        )


def _move_the_video(db: Database, clip: Path, home: Path) -> None:
    with db.transaction() as session:
        session.execute(text("UPDATE videos SET path = '/elsewhere.mp4'"))


def _touch_the_file(db: Database, clip: Path, home: Path) -> None:
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))


def _add_a_profiles_file(db: Database, clip: Path, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "profiles.toml").write_text("[profiles.fast.scenes]\nthreshold = 31.0\n")


def _add_a_models_folder(db: Database, clip: Path, home: Path) -> None:
    (home / "models").mkdir(parents=True, exist_ok=True)


def _another_schema_revision(db: Database, clip: Path, home: Path) -> None:
    with db.transaction() as session:
        session.execute(text("UPDATE alembic_version SET version_num = 'other'"))


def _damage_the_stamp(db: Database, clip: Path, home: Path) -> None:
    with db.transaction() as session:
        session.execute(text("UPDATE analysis_stamps SET report = '{\"runs\": 1}'"))


CHANGES: dict[str, Callable[[Database, Path, Path], None]] = {
    "a run dismissed": _dismiss_runs,
    "the intent changed": _shrink_intent,
    "a selection pinned": _pin_a_selection,
    "the video moved to another path": _move_the_video,
    "the file touched": _touch_the_file,
    "a profiles file added": _add_a_profiles_file,
    "a models folder added": _add_a_models_folder,
    "another schema revision": _another_schema_revision,
    "the stamp damaged": _damage_the_stamp,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_what_the_answer_depends_on_makes_the_stamp_miss(
    change: str, eioku: Eioku, db: Database, clip: Path, tmp_path: Path
) -> None:
    analyzed(eioku, SCENES, clip)
    assert stamped(eioku, SCENES, clip) is not None
    CHANGES[change](db, clip, tmp_path / "home")
    assert stamped(eioku, SCENES, clip) is None
    if change == "another schema revision":
        with db.transaction() as session:
            session.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
            )
        return
    analyzed(eioku, SCENES, clip)  # the planner answers, and stamps what it answered
    assert stamped(eioku, SCENES, clip) == planner_answer(eioku, SCENES, clip)


@pytest.mark.parametrize(
    "other",
    [
        TypedRequest("scenes", "balanced", ()),
        TypedRequest("scenes", None, ("scenes.threshold=30",)),
        TypedRequest("scenes,frame_index", None, ()),
    ],
)
def test_another_request_has_no_stamp(eioku: Eioku, clip: Path, other: TypedRequest) -> None:
    analyzed(eioku, SCENES, clip)
    assert stamped(eioku, other, clip) is None


def test_the_environment_is_part_of_the_key(eioku: Eioku, clip: Path) -> None:
    analyzed(eioku, SCENES, clip)
    eioku.env["EIOKU_MODEL_OBJECTS_FAST"] = "/models/other.pt"
    assert stamped(eioku, SCENES, clip) is None


def test_new_scenes_make_the_faces_stamp_miss(eioku: Eioku, clip: Path) -> None:
    """Faces is given the scenes the selection policy picks: a newer scenes run is new
    input, and the planner plans faces again."""
    analyzed(eioku, SCENES_AND_FACES, clip)
    before = stamped(eioku, SCENES_AND_FACES, clip)
    assert before is not None
    assert outcomes(analyzed(eioku, TypedRequest("scenes", None, ("scenes.threshold=5",)), clip))
    assert stamped(eioku, SCENES_AND_FACES, clip) is None
    again = analyzed(eioku, SCENES_AND_FACES, clip)
    assert stamped(eioku, SCENES_AND_FACES, clip) == planner_answer(eioku, SCENES_AND_FACES, clip)
    assert again[0]["runs"] != before[0]["runs"] or outcomes(again) == ["cached", "cached"]


def test_a_changed_weights_file_makes_the_stamp_miss(
    eioku: Eioku, clip: Path, tmp_path: Path
) -> None:
    models = Path(shutil.copytree(default_models_dir(), tmp_path / "face-models"))
    faces = TypedRequest("faces", None, (f"faces.models_dir={models}",))
    analyzed(eioku, faces, clip)
    assert stamped(eioku, faces, clip) is not None
    weights = next(models.glob("*.dat"))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert stamped(eioku, faces, clip) is None
    analyzed(eioku, faces, clip)
    assert stamped(eioku, faces, clip) == planner_answer(eioku, faces, clip)


def test_code_identity_follows_the_source_tree_and_installed_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    site_folder = tmp_path / "site-packages"
    site_folder.mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setattr(inputs, "CODE_PACKAGES", ("pkg",))
    monkeypatch.setattr(inputs, "_site_folders", lambda: {str(site_folder)})

    def identity() -> str:
        inputs.code_identity.cache_clear()
        return inputs.code_identity()

    seen = [identity()]
    (package / "module.py").write_text("VALUE = 1\n")
    seen.append(identity())
    (package / "module.py").write_text("VALUE = 22\n")
    seen.append(identity())
    (site_folder / "model_weights-2.0.dist-info").mkdir()
    seen.append(identity())
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"\0")
    seen.append(identity())
    assert len(set(seen[:4])) == 4
    assert seen[4] == seen[3]  # compiled files are not code


def test_only_a_change_to_a_file_entrys_identity_counts(
    db: Database, eioku: Eioku, clip: Path
) -> None:
    analyzed(eioku, SCENES, clip)

    def epoch() -> int:
        with db.sessions() as session:
            return int(session.execute(text("SELECT value FROM plan_epoch")).scalar_one())

    before = epoch()
    with db.transaction() as session:
        session.execute(update(VideoFile).values(seen_at=utcnow()))
    assert epoch() == before
    with db.transaction() as session:
        session.execute(update(VideoFile).values(size_bytes=VideoFile.size_bytes + 1))
    assert epoch() == before + 1


def test_a_change_while_the_answer_is_worked_out_leaves_no_stamp(
    eioku: Eioku, db: Database, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyzed(eioku, SCENES, clip)
    with db.transaction() as session:
        session.execute(text("DELETE FROM analysis_stamps"))
    settings = load_settings(eioku.env)
    catalog = AnalyzerCatalog(settings)
    request = AnalysisRequest(["scenes"], "fast", {})
    worked_out = record.cached_report

    def with_a_concurrent_write(*args: object) -> object:
        answer = worked_out(*args)  # type: ignore[arg-type]
        _dismiss_runs(db, clip, Path())
        return answer

    monkeypatch.setattr(record, "cached_report", with_a_concurrent_write)
    assert not record_stamp(db, catalog, settings, request, SCENES, str(clip), eioku.env)
    monkeypatch.setattr(record, "cached_report", worked_out)
    assert stamped(eioku, SCENES, clip) is None
    analyzed(eioku, SCENES, clip)
    assert record_stamp(db, catalog, settings, request, SCENES, str(clip), eioku.env)


def test_stamps_off_forced_and_plugins_are_always_planned(eioku: Eioku, clip: Path) -> None:
    analyzed(eioku, SCENES, clip)
    assert stamped(eioku, SCENES, clip) is not None
    assert outcomes(analyzed(eioku, SCENES, clip)) == ["cached"]
    forced = eioku(*cli_args(SCENES, clip, "--json", "--force"))
    assert outcomes(forced.json()) == ["succeeded"]
    analyzed(eioku, SCENES, clip)
    settings = load_settings(eioku.env)
    for unstamped in (
        replace(settings, analyze_stamps=False),
        replace(settings, analyzer_plugins=("tests.plugin_analyzer",)),
    ):
        assert stamped_reports(unstamped, SCENES, [str(clip)], eioku.env) is None
    assert stamped(eioku, SCENES, clip) is not None


def test_a_server_database_is_always_planned(
    postgresql_database: Database, tmp_path: Path, clip: Path
) -> None:
    clear_tables(postgresql_database)
    eioku = Eioku(postgresql_database, tmp_path / "home")
    analyzed(eioku, SCENES, clip)
    assert stamped(eioku, SCENES, clip) is None
    settings = load_settings(eioku.env)
    catalog = AnalyzerCatalog(settings)
    request = AnalysisRequest(["scenes"], "fast", {})
    assert not record_stamp(
        postgresql_database, catalog, settings, request, SCENES, str(clip), eioku.env
    )
    with postgresql_database.sessions() as session:
        tables = session.execute(text("SELECT to_regclass('plan_epoch')")).scalar()
    assert tables is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////data/eioku.db", Path("/data/eioku.db")),
        ("sqlite+pysqlite:////data/eioku.db", Path("/data/eioku.db")),
        ("sqlite:///relative.db", Path("relative.db").resolve()),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:////data/eioku.db?timeout=5", None),
        ("sqlite:////data/my%20videos.db", None),
        ("postgresql://postgres@127.0.0.1/test", None),
        ("", None),
    ],
)
def test_only_a_plain_sqlite_file_url_is_read_directly(url: str, expected: Path | None) -> None:
    assert sqlite_file(url) == expected


def test_a_missing_database_or_file_is_a_miss_not_an_error(eioku: Eioku, clip: Path) -> None:
    analyzed(eioku, SCENES, clip)
    assert stamped(eioku, SCENES, clip.with_name("gone.mp4")) is None
    moved = dict(eioku.env, EIOKU_DATABASE_URL=f"sqlite:///{clip.parent / 'none.db'}")
    settings = load_settings(moved)
    assert stamped_reports(settings, SCENES, [str(clip)], moved) is None
    assert not (clip.parent / "none.db").exists()


REQUESTS = (
    SCENES,
    TypedRequest("scenes", "balanced", ()),
    TypedRequest("scenes", None, ("scenes.threshold=30",)),
)


def _rewrite_the_file(db: Database, clip: Path, home: Path) -> None:
    write_video(clip, alternating_shots([8, 12, 6]), size=(64, 48))


def _toggle_a_model_variable(db: Database, clip: Path, home: Path) -> None:
    variable = "EIOKU_MODEL_OBJECTS_FAST"
    if os.environ.pop(variable, None) is None:
        os.environ[variable] = "/models/other.pt"


STEPS: dict[str, Callable[[Database, Path, Path], None]] = {
    **{f"analyze {index}": lambda db, clip, home: None for index in range(len(REQUESTS))},
    "force scenes": lambda db, clip, home: None,
    "dismiss runs": _dismiss_runs,
    "shrink the intent": _shrink_intent,
    "pin a selection": _pin_a_selection,
    "touch the file": _touch_the_file,
    "rewrite the file": _rewrite_the_file,
    "add a profiles file": _add_a_profiles_file,
    "toggle a model variable": _toggle_a_model_variable,
}


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=6))
def test_whenever_a_stamp_answers_the_planner_gives_the_same_answer(
    steps: list[str],
    sqlite_database: Database,
    tiny_video: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Any sequence of analyses and changes: a stamp that answers answers as the planner
    does (and so the planner, asked afterwards, finds everything cached); after the
    planner has answered, there is a stamp."""
    clear_tables(sqlite_database)
    folder = tmp_path_factory.mktemp("steps")
    clip = Path(shutil.copy2(tiny_video, folder / "clip.mp4"))
    home = folder / "home"
    eioku = Eioku(sqlite_database, home)
    with monkeypatch.context() as patch:
        patch.setattr(os, "environ", eioku.env)
        for step in steps:
            note(step)
            if step.startswith("analyze "):
                analyzed(eioku, REQUESTS[int(step.removeprefix("analyze "))], clip)
            elif step == "force scenes":
                assert eioku(*cli_args(SCENES, clip, "--force")).code == 0
            else:
                STEPS[step](sqlite_database, clip, home)
            for request in REQUESTS:
                answer = stamped(eioku, request, clip)
                if answer is not None:
                    assert answer == planner_answer(eioku, request, clip), (step, request)
        analyzed(eioku, SCENES, clip)
        assert stamped(eioku, SCENES, clip) == planner_answer(eioku, SCENES, clip)
