"""The cache diagnostics banner and panel in a real browser: a profile edited so that a
descriptor is stale shows the banner; Regenerate All (executed in the server) makes it go
away and the descriptor's row turns Current."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.support.served import Served, analyzed_home, screenshot, served, watched_page

# a setting of the `fast` profile changed after the analysis: the scenes result is stale
STALE_PROFILE = "[profiles.fast.scenes]\nthreshold = 20\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home, videos = analyzed_home(tmp_path_factory.mktemp("web-cache"), "scenes")
    (home / "profiles.toml").write_text(STALE_PROFILE)
    with served(home, videos) as running:
        yield running


def test_a_stale_descriptor_shows_the_banner_until_regenerated(
    server: Served, browser: Browser
) -> None:
    watched = watched_page(browser)
    page = watched.page
    page.goto(f"{server.base}/")
    banner = page.locator("#cache-banner")
    banner.get_by_text("1 descriptor requires regeneration to match the 'fast' profile.").wait_for()
    for name in ("Regenerate All", "Open Diagnostics", "Learn More"):
        assert banner.get_by_text(name, exact=True).count() == 1
    assert "null" not in banner.inner_text()  # no missing part rendered as text
    banner.get_by_text("Open Diagnostics").click()
    scenes_row = '.cache-profile[data-profile="fast"] tr[data-descriptor="scenes"]'
    row = page.locator(scenes_row)
    row.wait_for()
    assert row.get_attribute("data-status") == "stale"
    assert "Stale" in row.inner_text()
    screenshot(page, "diagnostics-page")
    banner.get_by_text("Regenerate All", exact=True).click()
    banner.wait_for(state="hidden", timeout=60000)
    page.wait_for_selector(f'{scenes_row}[data-status="current"]', timeout=30000)
    screenshot(page, "diagnostics-page-current")
    watched.assert_no_errors()
