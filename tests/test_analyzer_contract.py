"""Every registered analyzer — the built-ins and any plugin installed beside Eioku — keeps
the contract of docs/EXTENDING.md: its model identity is worked out without importing its
ML library, every profile validates, its payload models are registered and covered by the
schema property tests, a built-in has a compose service, and its lane renders in a real
browser."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser
from sqlalchemy import select

from pipeline.analysis.catalog import ENTRY_POINT_GROUP, AnalyzerCatalog
from pipeline.analysis.declarations import Produces
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus, Video
from pipeline.settings import load_settings
from schemas.base import Payload
from tests.support.distributed import REPO
from tests.support.factories import INSTALLED, make_envelope, make_run, write_artifacts
from tests.support.served import Served, analyzed_home, screenshot, served, watched_page
from tests.support.strategies import payloads_of

CATALOG = AnalyzerCatalog(load_settings())
ANALYZERS = CATALOG.names()
BUILT_IN = sorted(
    entry_point.name
    for entry_point in distribution("eioku").entry_points
    if entry_point.group == ENTRY_POINT_GROUP
)
# what the analyzers' ML stacks are imported as; planning must import none of them
ML_LIBRARIES = {
    "torch", "torchvision", "ultralytics", "faster_whisper", "ctranslate2", "easyocr",
    "dlib", "face_recognition_models", "scenedetect", "cv2", "onnxruntime",
}  # fmt: skip
IDENTITIES = """
import json, sys
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.settings import load_settings
catalog = AnalyzerCatalog(load_settings())
name = sys.argv[1]
identities = {
    profile: catalog.get(name).model_identity(catalog.effective_config(name, profile, {})).model_id
    for profile in catalog.profiles_of(name)
}
imported = sorted({module.split(".")[0] for module in sys.modules})
print(json.dumps({"identities": identities, "imported": imported}))
"""


def produces(name: str) -> Produces | None:
    declared: Produces | None = CATALOG.analyzer_class(name).produces
    return declared


def test_the_built_ins_are_registered() -> None:
    assert set(BUILT_IN) <= set(ANALYZERS)
    assert {"scenes", "transcript", "ocr", "faces", "objects", "places", "frames"} <= set(BUILT_IN)


@pytest.mark.parametrize("name", ANALYZERS)
def test_the_model_identity_needs_no_ml_library(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", IDENTITIES, name],
        cwd=REPO,
        env={**os.environ, "EIOKU_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert set(found["identities"]) == set(CATALOG.profiles_of(name))
    assert all(found["identities"].values())
    assert set(found["imported"]) & ML_LIBRARIES == set()


@pytest.mark.parametrize("name", ANALYZERS)
def test_every_profile_validates(name: str) -> None:
    profiles = CATALOG.profiles_of(name)
    assert {"fast", "balanced", "high_quality"} <= set(profiles)
    for profile in profiles:
        config = CATALOG.effective_config(name, profile, {})
        assert type(config).model_validate(config.model_dump()) == config


@pytest.mark.parametrize("name", ANALYZERS)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_its_payloads_are_registered_and_drawn_by_the_property_tests(
    name: str, data: st.DataObject
) -> None:
    declared = produces(name)
    if declared is None:  # writes no artifacts: its runs still name a kind
        assert CATALOG.analyzer_class(name).artifact_type not in INSTALLED.artifact_types
        return
    assert CATALOG.get(name).artifact_type == declared.artifact_type
    for model in declared.payload_models:
        assert model.ARTIFACT_TYPE == declared.artifact_type
        assert INSTALLED.registry.get_schema(model.ARTIFACT_TYPE, model.SCHEMA_VERSION) is model
        payload: Payload = data.draw(payloads_of(model))
        document = payload.model_dump(mode="json")
        validated = INSTALLED.registry.validate(model.ARTIFACT_TYPE, model.SCHEMA_VERSION, document)
        assert validated == payload


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_built_in_has_a_compose_worker_service(name: str) -> None:
    compose = yaml.safe_load((REPO / "compose" / "docker-compose.yml").read_text())
    worker = compose["services"][f"worker-{name}"]
    assert worker["command"][:3] == ["worker", "--analyzers", name]


# --- every lane renders -----------------------------------------------------------------

LANED = [name for name in ANALYZERS if (declared := produces(name)) and declared.lane]


@pytest.fixture(scope="module")
def every_lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo sample with artifacts of every laned type: valid payloads drawn by the
    property-test strategies, in one succeeded run per type."""
    home, videos = analyzed_home(tmp_path_factory.mktemp("lanes"), "scenes")
    db = Database.from_url(f"sqlite:///{home / 'eioku.db'}")
    try:
        with db.transaction() as session:
            video = session.execute(select(Video)).scalar_one()
            video_id = video.video_id
            for name in LANED:
                declared = produces(name)
                assert declared is not None
                if declared.artifact_type == "scene":
                    continue  # analyzed for real
                run = make_run(session, video_id, status=RunStatus.SUCCEEDED, analyzer=name,
                               artifact_type=declared.artifact_type)  # fmt: skip
                drawn = _examples(declared.payload, video.duration_ms, video.frame_count)
                envelopes = [make_envelope(p, asset_id=video_id, run_id=run.run_id) for p in drawn]
                write_artifacts(session, envelopes)
    finally:
        db.dispose()
    with served(home, videos) as running:
        yield running


def _examples(model: type[Payload], duration_ms: int, frames: int, count: int = 3) -> list[Payload]:
    """Payloads within the video: times before its end, frames among its frames (a lane
    shows a frame's picture)."""
    drawn: list[Payload] = []

    def within(payload: Payload) -> Payload:
        if not hasattr(payload, "frame_index"):
            return payload
        return payload.model_copy(update={"frame_index": payload.frame_index % frames})

    @settings(max_examples=count, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payloads_of(model, max_ms=duration_ms).map(within))
    def collect(payload: Payload) -> None:
        drawn.append(payload)

    collect()
    return drawn[:count]


def test_every_declared_lane_renders(every_lane: Served, browser: Browser) -> None:
    watched = watched_page(browser)
    page = watched.page
    page.goto(f"{every_lane.base}/videos/{every_lane.video_id}")
    for name in LANED:
        declared = produces(name)
        assert declared is not None and declared.lane is not None
        lane = page.locator(f'[data-lane="{declared.jump}"]')
        lane.wait_for()
        stored = _artifact_count(every_lane, declared.artifact_type)
        assert stored > 0
        items = lane.locator("[data-artifact-id]")
        assert items.count() == stored, name
        assert declared.lane.title in lane.locator(".lane-title").inner_text()
        for index in range(items.count()):
            title = items.nth(index).get_attribute("title") or ""
            assert "{" not in title and title.strip(), (name, title)  # the item's text
    screenshot(page, "every-lane")
    page.close()
    watched.assert_no_errors()


def _artifact_count(server: Served, artifact_type: str) -> int:
    answer: dict[str, Any] = server.client.get(
        f"/v1/videos/{server.video_id}/artifacts", params={"type": artifact_type, "limit": 1000}
    ).json()
    return len(answer["artifacts"])
