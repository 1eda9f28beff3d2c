"""`eioku analyze` end to end, on SQLite and PostgreSQL: the cache, the selection policy,
and bad input."""

import shutil
from pathlib import Path

import pytest

from pipeline.db.engine import Database
from support.synthetic import alternating_shots, write_video
from tests.support.cli import ANALYZER_LIBRARIES, Eioku

TITLE = "eioku-title-AAAA"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "sample.mp4"
    return write_video(path, alternating_shots([30, 45, 25]), title=TITLE)


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    return Eioku(db, tmp_path / "home")


@pytest.fixture
def clip(sample: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy2(sample, tmp_path / "clip.mp4"))


def outcomes(result_json: list[dict]) -> list[str]:
    return [run["outcome"] for report in result_json for run in report["runs"]]


def test_first_run_computes_and_second_is_cached_without_analyzer_imports(
    eioku: Eioku, clip: Path
) -> None:
    first = eioku("analyze", str(clip), "--json")
    assert first.code == 0, first.stderr
    assert outcomes(first.json()) == ["succeeded"]
    assert first.json()[0]["runs"][0]["artifact_count"] == 3

    again = eioku.with_import_probe("analyze", str(clip), "--json")
    assert again.code == 0, again.stderr
    assert '"outcome": "cached"' in again.stdout
    assert again.imported_libraries() == []
    assert set(ANALYZER_LIBRARIES) >= {"scenedetect", "cv2", "av"}


def test_a_copy_at_another_path_is_cached(eioku: Eioku, clip: Path, tmp_path: Path) -> None:
    assert eioku("analyze", str(clip)).code == 0
    copy = Path(shutil.copy(clip, tmp_path / "renamed-copy.mp4"))
    result = eioku("analyze", str(copy), "--json")
    assert outcomes(result.json()) == ["cached"]


def test_changing_one_byte_recomputes(eioku: Eioku, clip: Path) -> None:
    first = eioku("analyze", str(clip), "--json").json()[0]
    data = clip.read_bytes()
    assert data.count(TITLE.encode()) == 1
    clip.write_bytes(data.replace(TITLE.encode(), TITLE[:-1].encode() + b"B"))
    second = eioku("analyze", str(clip), "--json").json()[0]
    assert outcomes([second]) == ["succeeded"]
    assert second["video_id"] != first["video_id"]
    assert second["runs"][0]["run_id"] != first["runs"][0]["run_id"]


def test_config_change_recomputes_and_selection_decides_what_is_shown(
    eioku: Eioku, clip: Path
) -> None:
    old = eioku("analyze", str(clip), "--json").json()[0]["runs"][0]
    new = eioku("analyze", str(clip), "--set", "scenes.threshold=255", "--json").json()[0]
    assert outcomes([new]) == ["succeeded"]
    new_run = new["runs"][0]
    assert new_run["cache_key"] != old["cache_key"]
    assert (old["artifact_count"], new_run["artifact_count"]) == (3, 1)

    def shown() -> set[str]:
        listed = eioku("artifacts", str(clip), "--type", "scene", "--json").json()
        return {artifact["run_id"] for artifact in listed}

    # default: the run at the profile's revision, not the newer one with --set overrides
    assert shown() == {old["run_id"]}
    for run in (old, new_run):
        own = eioku("artifacts", str(clip), "--run", run["run_id"], "--json").json()
        assert len(own) == run["artifact_count"]
    pinned = eioku("select", str(clip), "scene", "--mode", "pinned", "--run", old["run_id"])
    assert pinned.code == 0, pinned.stderr
    assert shown() == {old["run_id"]}
    assert eioku("select", str(clip), "scene", "--mode", "latest").code == 0
    assert shown() == {new_run["run_id"]}
    # the original config is still cached
    assert outcomes(eioku("analyze", str(clip), "--json").json()) == ["cached"]


def test_force_recomputes_and_keeps_the_old_run(eioku: Eioku, clip: Path) -> None:
    old = eioku("analyze", str(clip), "--json").json()[0]["runs"][0]
    forced = eioku("analyze", str(clip), "--force", "--json").json()[0]["runs"][0]
    assert forced["outcome"] == "succeeded" and forced["run_id"] != old["run_id"]
    assert forced["cache_key"] == old["cache_key"]
    status = eioku("status", str(clip), "--json").json()[0]
    assert {run["run_id"] for run in status["runs"]} == {old["run_id"], forced["run_id"]}
    kept = eioku("artifacts", str(clip), "--run", old["run_id"], "--json").json()
    assert len(kept) == 3


def test_profiles_are_separate_runs_and_best_quality_wins(eioku: Eioku, clip: Path) -> None:
    fast = eioku("analyze", str(clip), "--json").json()[0]["runs"][0]
    high = eioku("analyze", str(clip), "-p", "high_quality", "--json").json()[0]["runs"][0]
    assert high["outcome"] == "succeeded" and high["run_id"] != fast["run_id"]
    eioku("analyze", str(clip), "--force", "--json")  # a newer fast run
    listed = eioku("artifacts", str(clip), "--json").json()
    assert {artifact["run_id"] for artifact in listed} == {high["run_id"]}
    by_profile = eioku("artifacts", str(clip), "--profile", "high_quality", "--json").json()
    assert {artifact["model_profile"] for artifact in by_profile} == {"high_quality"}


def test_without_a_profile_the_configured_default_profile_is_used(
    db: Database, tmp_path: Path, clip: Path
) -> None:
    eioku = Eioku(db, tmp_path / "home", EIOKU_DEFAULT_PROFILE="balanced")
    by_default = eioku("analyze", str(clip), "--json").json()[0]["runs"][0]
    explicit = eioku("analyze", str(clip), "-p", "fast", "--json").json()[0]["runs"][0]
    assert (by_default["profile"], explicit["profile"]) == ("balanced", "fast")
    assert by_default["outcome"] == explicit["outcome"] == "succeeded"


def test_bad_inputs_get_one_line_each_and_good_files_still_run(
    eioku: Eioku, clip: Path, tmp_path: Path
) -> None:
    (tmp_path / "folder.mp4").mkdir()
    (tmp_path / "empty.mp4").touch()
    (tmp_path / "notes.mp4").write_text("this is text, not a video\n")
    data = clip.read_bytes()
    (tmp_path / "truncated.mp4").write_bytes(data[: len(data) // 2])
    bad = ["missing.mp4", "folder.mp4", "empty.mp4", "notes.mp4", "truncated.mp4"]
    result = eioku("analyze", *bad, str(clip), "--json", cwd=tmp_path)
    assert result.code == 1
    assert "Traceback" not in result.stderr + result.stdout
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == len(bad)
    for name, line in zip(bad, error_lines, strict=True):
        assert name in line
    reports = result.json()
    assert [report["error_code"] for report in reports] == [
        "not_found",
        "not_a_file",
        "empty_file",
        "unreadable_media",
        "unreadable_media",
        None,
    ]
    assert outcomes(reports) == ["succeeded"]
    status = eioku("status", "--json").json()
    assert [video["path"] for video in status] == [str(clip.resolve())]


def test_truncated_stream_fails_the_run_and_writes_nothing(eioku: Eioku, tmp_path: Path) -> None:
    whole = write_video(tmp_path / "whole.mp4", alternating_shots([100, 100, 100]), faststart=True)
    data = whole.read_bytes()
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(data[: len(data) // 2])
    result = eioku("analyze", str(damaged), "--json")
    assert result.code == 1
    run = result.json()[0]["runs"][0]
    assert (run["outcome"], run["error_code"], run["artifact_count"]) == (
        "failed",
        "truncated_media",
        0,
    )
    assert eioku("artifacts", str(damaged), "--run", run["run_id"], "--json").json() == []
    assert result.stderr.count("\n") <= 1, result.stderr  # FFmpeg's decoder noise is kept out


def test_unknown_names_are_usage_errors(eioku: Eioku, clip: Path) -> None:
    for args, fragment in [
        (["-a", "nope"], "unknown analyzer 'nope'"),
        (["-p", "ultra"], "no profile 'ultra'"),
        (["--set", "scenes.threshold=-1"], "threshold"),
        (["--set", "scenes.bogus=1"], "bogus"),
        (["--set", "ocr.x=1"], "not selected"),
    ]:
        result = eioku("analyze", str(clip), *args)
        assert result.code == 2, (args, result.stderr)
        assert fragment in result.stderr
        assert "Traceback" not in result.stderr


def test_unknown_video_reference(eioku: Eioku) -> None:
    result = eioku("artifacts", "no-such-video")
    assert result.code == 1
    assert "no video known as 'no-such-video'" in result.stderr
