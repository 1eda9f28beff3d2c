"""An analyzer shipped as a plugin — tests/data/brightness_plugin, the worked example of
docs/EXTENDING.md — installed into a folder of its own: Eioku finds it by its entry point
and serves it through every door (`eioku analyze`, a real Celery worker, `eioku jump` and
`find`, the API, a lane in Chromium) with no file of Eioku changed."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from pipeline.db.engine import Database
from tests.support.distributed import REPO, RedisServer, Worker
from tests.support.embedded import eioku_serve
from tests.support.served import screenshot, watched_page

pytestmark = pytest.mark.slow  # a pip install, real `eioku` processes

PLUGIN_SOURCE = REPO / "tests" / "data" / "brightness_plugin"
DEMO = REPO / "pipeline" / "demo" / "sample.mp4"


def git_status() -> str | None:
    """The working tree's changes, or None outside a git checkout."""
    if not (REPO / ".git").exists():
        return None
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plugin pip-installed into a folder of its own (not Eioku's environment); the
    working tree is the same before and after every test of this module."""
    before = git_status()
    root = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(PLUGIN_SOURCE, root / "source")
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(source)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert (site / "eioku_brightness.py").is_file()
    yield site
    assert git_status() == before


def plugin_env(site: Path, home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "EIOKU_HOME": str(home), "PYTHONPATH": f"{site}{os.pathsep}{REPO}"}
    for name in ("EIOKU_DATABASE_URL", "EIOKU_BROKER_URL", "EIOKU_API_TOKEN"):
        env.pop(name, None)
    return {**env, **extra}


def eioku(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def spans(env: dict[str, str], video: Path) -> list[dict[str, Any]]:
    listed = eioku(env, "artifacts", str(video), "--type", "brightness.span", "--json")
    assert listed.returncode == 0, listed.stderr
    return [envelope["payload"] for envelope in json.loads(listed.stdout)]


def check_jump_and_find(env: dict[str, str], video: Path) -> None:
    """What `eioku jump` and `find` answer equals the spans the run stored."""
    found = spans(env, video)
    assert len({span["label"] for span in found}) >= 2  # the demo has dark and lighter shots
    for label in {span["label"] for span in found}:
        first = min(span["start_ms"] for span in found if span["label"] == label)
        jumped = eioku(env, "jump", str(video), "--kind", "brightness", "--label", label,
                       "--from", "0", "--json")  # fmt: skip
        if first == 0:  # strict: the jump from 0 lands on the next one
            later = sorted(s["start_ms"] for s in found if s["label"] == label and s["start_ms"])
            assert (jumped.returncode == 0) == bool(later), jumped.stderr
            first = later[0] if later else first
        if jumped.returncode == 0:
            assert json.loads(jumped.stdout)["jump_to"]["start_ms"] == first
        matches = eioku(env, "find", str(video), label, "--source", "brightness", "--json")
        assert matches.returncode == 0, matches.stderr
        hits = json.loads(matches.stdout)
        assert {hit["source"] for hit in hits} == {"brightness"}
        assert len(hits) == sum(span["label"] == label for span in found)
    refused = eioku(env, "jump", str(video), "--kind", "brightness", "--face-cluster", "1")
    assert refused.returncode == 2
    assert "--face-cluster: brightness artifacts have no person" in refused.stderr


def test_the_plugin_runs_embedded_and_answers_jump_and_find(
    installed: Path, tmp_path: Path
) -> None:
    env = plugin_env(installed, tmp_path / "home")
    report = eioku(env, "analyze", str(DEMO), "-a", "brightness", "--json")
    assert report.returncode == 0, report.stderr
    [run] = json.loads(report.stdout)[0]["runs"]
    assert (run["analyzer"], run["outcome"]) == ("brightness", "succeeded")
    assert run["artifact_count"] >= 2
    check_jump_and_find(env, DEMO)
    again = eioku(env, "analyze", str(DEMO), "-a", "brightness", "--json")
    assert json.loads(again.stdout)[0]["runs"][0]["outcome"] == "cached"


def test_the_plugin_runs_on_a_real_celery_worker(
    installed: Path, postgresql_database: Database, broker: RedisServer, tmp_path: Path
) -> None:
    url = postgresql_database.engine.url.render_as_string(hide_password=False)
    env = plugin_env(
        installed, tmp_path / "home", EIOKU_DATABASE_URL=url, EIOKU_BROKER_URL=broker.url
    )
    worker = Worker(env, ["eioku.analyze.brightness"], tmp_path / "worker.log", via_eioku_cli=True)
    try:
        submitted = eioku(env, "submit", str(DEMO), "-a", "brightness", "--wait", "--json")
        assert submitted.returncode == 0, submitted.stderr + worker.output()
        [run] = json.loads(submitted.stdout)[0]["runs"]
        assert run["outcome"] == "succeeded"
        assert "eioku.analyze.brightness" in worker.output()
        check_jump_and_find(env, DEMO)
    finally:
        worker.stop()


def test_the_plugin_is_served_by_the_api_and_drawn_as_a_lane(
    installed: Path, browser: Browser, tmp_path: Path
) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    video = Path(shutil.copy2(DEMO, videos / "sample.mp4"))
    env = plugin_env(installed, tmp_path / "home", EIOKU_ALLOWED_ROOTS=str(videos))
    analyzed = eioku(env, "analyze", str(video), "-a", "scenes,brightness")
    assert analyzed.returncode == 0, analyzed.stderr
    stored = spans(env, video)
    with eioku_serve(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        described = {a["name"]: a for a in client.get("/v1/analyzers").json()["analyzers"]}
        produces = described["brightness"]["produces"]
        assert (produces["artifact_type"], produces["jump_kind"]) == (
            "brightness.span",
            "brightness",
        )
        assert produces["filters"] == ["label", "text"]
        assert produces["lane"]["title"] == "Brightness"
        video_id = client.get("/v1/videos").json()["videos"][0]["video_id"]
        label = stored[-1]["label"]
        jumped = client.get(
            f"/v1/videos/{video_id}/jump", params={"kind": "brightness", "label": label}
        )
        assert jumped.status_code == 200, jumped.text
        first = min(span["start_ms"] for span in stored if span["label"] == label)
        assert jumped.json()["jump_to"]["start_ms"] == first
        refused = client.get(f"/v1/videos/{video_id}/jump", params={"kind": "brightnesss"})
        assert refused.status_code == 422
        assert "brightness" in refused.json()["error"]["message"]  # the known kinds, named
        watched = watched_page(browser)
        page = watched.page
        page.goto(f"{base}/videos/{video_id}")
        lane = page.locator('[data-lane="brightness"]')
        lane.wait_for()
        items = lane.locator("[data-artifact-id]")
        assert items.count() == len(stored)
        titles = {items.nth(i).get_attribute("title") or "" for i in range(items.count())}
        assert all(span["label"] in " ".join(titles) for span in stored)
        rows = {row.get_attribute("data-row") for row in lane.locator(".row").all()}
        assert rows == {span["label"] for span in stored}  # a row per label
        screenshot(page, "plugin-lane")
        page.close()
        watched.assert_no_errors()
