"""The web app in a real browser (Debian's Chromium through Playwright) against `eioku
serve` on a home where the demo sample is analyzed (scenes, transcript, faces, ocr)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.served import (
    Served,
    WatchedPage,
    analyzed_home,
    screenshot,
    served,
    watched_page,
)

LANE_TYPES = {
    "scene": "scene",
    "transcript": "transcript.segment",
    "ocr": "ocr.text",
    "face": "face.detection",
    "object": "object.detection",
    "place": "place.classification",
    "frame": "frame.selection",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home, videos = analyzed_home(tmp_path_factory.mktemp("web"))
    with served(home, videos) as running:
        yield running


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    page = watched_page(browser)
    yield page
    page.page.close()
    page.assert_no_errors()


def artifacts(server: Served, artifact_type: str) -> list[dict]:
    found: list[dict] = []
    cursor = None
    while True:
        params = {"type": artifact_type, "limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = server.client.get(f"/v1/videos/{server.video_id}/artifacts", params=params).json()
        found += page["artifacts"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def open_video(page: Page, server: Served, query: str = "") -> None:
    page.goto(f"{server.base}/videos/{server.video_id}{query}")
    page.wait_for_selector('[data-lane="frame"]')  # the last lane drawn
    page.wait_for_function("document.getElementById('player').readyState >= 1")


def current_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


def wait_for_time(page: Page, seconds: float, tolerance: float) -> None:
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {seconds}) <= {tolerance}"
        " && !document.getElementById('player').seeking",
        timeout=5000,
    )


def test_each_lane_shows_as_many_items_as_the_api_returns(
    server: Served, watched: WatchedPage
) -> None:
    page = watched.page
    open_video(page, server)
    counts = {}
    for lane, artifact_type in LANE_TYPES.items():
        expected = artifacts(server, artifact_type)
        items = page.locator(f'[data-lane="{lane}"] [data-artifact-id]')
        assert items.count() == len(expected), lane
        assert {items.nth(i).get_attribute("data-artifact-id") for i in range(items.count())} == {
            artifact["artifact_id"] for artifact in expected
        }
        starts = {
            int(items.nth(i).get_attribute("data-start-ms") or -1) for i in range(items.count())
        }
        assert starts == {artifact["span_start_ms"] for artifact in expected}
        counts[lane] = len(expected)
    assert counts["scene"] == 6 and counts["transcript"] > 0 and counts["face"] > 0
    assert page.locator('[data-lane="face"] .row-thumb').count() >= 1  # one per person
    assert page.locator("video#player").count() == 1
    screenshot(page, "video-page")
    page.set_viewport_size({"width": 700, "height": 900})
    screenshot(page, "video-page-narrow")


def test_next_and_previous_scene_move_the_player(server: Served, watched: WatchedPage) -> None:
    scenes = sorted(artifact["span_start_ms"] for artifact in artifacts(server, "scene"))
    fps = server.client.get(f"/v1/videos/{server.video_id}").json()["fps"]
    frame = 1 / fps
    page = watched.page
    open_video(page, server)
    assert current_time(page) == 0
    next_scene = page.locator('[data-lane="scene"] [data-jump="next"]')
    next_scene.click()
    wait_for_time(page, scenes[1] / 1000, frame)
    next_scene.click()
    wait_for_time(page, scenes[2] / 1000, frame)
    page.locator('[data-lane="scene"] [data-jump="prev"]').click()
    wait_for_time(page, scenes[1] / 1000, frame)
    assert f"t={scenes[1] / 1000:g}" in page.url
    page.keyboard.press("n")  # the scene lane is active: the key jumps on it
    wait_for_time(page, scenes[2] / 1000, frame)
    # the URL records the position: a reload comes back to it
    page.reload()
    page.wait_for_selector('[data-lane="frame"]')
    wait_for_time(page, scenes[2] / 1000, frame + 0.05)


def test_find_lists_the_transcript_hits_and_a_click_seeks(
    server: Served, watched: WatchedPage
) -> None:
    expected = server.client.get(
        f"/v1/videos/{server.video_id}/find", params={"q": "country", "limit": 200}
    ).json()["matches"]
    assert any(match["source"] == "transcript" for match in expected)
    page = watched.page
    open_video(page, server)
    page.get_by_label("find", exact=True).fill("country")
    page.get_by_role("button", name="Find", exact=True).click()
    hits = page.locator(".find-hit")
    hits.first.wait_for()
    assert hits.count() == len(expected)
    assert hits.first.locator("mark").count() >= 1
    target = expected[-1]
    hits.last.click()
    wait_for_time(page, target["jump_to"]["start_ms"] / 1000, 0.05)
    highlighted = page.locator(f'[data-artifact-id="{target["artifact_id"]}"].hit')
    assert highlighted.count() == 1
    # while the player stands in a transcript segment, that segment is highlighted
    page.wait_for_selector('[data-lane="transcript"] .item.current')
    page.wait_for_function("document.getElementById('player').readyState === 4")
    page.wait_for_timeout(1000)  # the player's loading spinner fades out
    screenshot(page, "video-page-find")


@pytest.mark.slow  # no browser, but the served home is analyzed by real models
def test_media_answers_a_range_request_with_the_right_bytes(server: Served) -> None:
    sample = Path(server.client.get(f"/v1/videos/{server.video_id}").json()["path"])
    data = sample.read_bytes()
    media = server.client.get(
        f"/v1/videos/{server.video_id}/media", headers={"Range": "bytes=1000-4999"}
    )
    assert media.status_code == 206 and media.content == data[1000:5000]
    assert media.headers["accept-ranges"] == "bytes"
    assert media.headers["content-type"] == "video/mp4"


def test_the_player_plays_the_streamed_file(server: Served, watched: WatchedPage) -> None:
    page = watched.page
    open_video(page, server)
    page.evaluate("document.getElementById('player').muted = true")
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("document.getElementById('player').currentTime > 0.5", timeout=10000)
    page.evaluate("document.getElementById('player').pause()")


def test_library_page_lists_the_video_and_searches_the_library(
    server: Served, watched: WatchedPage
) -> None:
    page = watched.page
    page.goto(f"{server.base}/")
    row = page.locator(f'tr[data-video-id="{server.video_id}"]')
    row.wait_for()
    assert "sample.mp4" in row.inner_text() and "0:12" in row.inner_text()
    for analyzer in ("scenes", "transcript", "faces", "ocr"):
        assert row.locator(".chip.succeeded", has_text=analyzer).count() == 1
    page.get_by_label("search the library").fill("ask")
    page.get_by_role("button", name="Search").click()
    hits = page.locator(".global-hit")
    hits.first.wait_for()
    sources = {hits.nth(i).locator(".source").inner_text().lower() for i in range(hits.count())}
    assert sources == {"said", "shown"}  # ASK NOT is said and shown
    marked = {hits.nth(i).locator(".snippet mark").first.inner_text() for i in range(hits.count())}
    assert {word.lower() for word in marked} == {"ask"}
    screenshot(page, "library-page")
    hits.first.click()
    page.wait_for_selector('[data-lane="frame"]')
    assert f"/videos/{server.video_id}?t=" in page.url


def test_runs_page_shows_every_run_with_its_status(server: Served, watched: WatchedPage) -> None:
    runs = server.client.get("/v1/runs").json()["runs"]
    page = watched.page
    page.goto(f"{server.base}/runs")
    page.locator("tr[data-run-id]").first.wait_for()
    assert page.locator("tr[data-run-id]").count() == len(runs)
    assert page.locator('tr[data-status="succeeded"]').count() == len(runs)
    screenshot(page, "runs-page")


def test_submitting_a_file_shows_its_run_until_it_succeeds(
    server: Served, watched: WatchedPage
) -> None:
    video = server.client.get(f"/v1/videos/{server.video_id}").json()
    page = watched.page
    page.goto(f"{server.base}/runs")
    page.get_by_label("file path").fill(video["path"])
    page.get_by_label("scenes").uncheck()
    page.get_by_label("frame_index").check()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("1 run(s) planned for sample.mp4").wait_for()
    row = page.locator("tr[data-run-id]", has_text="frame_index")
    row.wait_for()
    page.wait_for_selector('tr[data-status="succeeded"]:has-text("frame_index")', timeout=30000)
    assert row.locator(".cancel").count() == 0  # only active runs can be cancelled


def test_face_jumps_apply_the_person_and_confidence_filters(
    server: Served, watched: WatchedPage
) -> None:
    faces = sorted(artifacts(server, "face.detection"), key=lambda a: a["span_start_ms"])
    first = faces[0]
    page = watched.page
    open_video(page, server)
    lane = page.locator('[data-lane="face"]')
    lane.locator(".lane-filter").select_option(label=f"Person {first['payload']['cluster_id']}")
    lane.locator('[data-jump="next"]').click()
    wait_for_time(page, first["span_start_ms"] / 1000, 0.05)
    lane.locator(".min-confidence").fill("100")  # no face is that sure: nothing to jump to
    lane.locator('[data-jump="next"]').click()
    page.get_by_text("no next faces").wait_for()
    assert abs(current_time(page) - first["span_start_ms"] / 1000) <= 0.05
