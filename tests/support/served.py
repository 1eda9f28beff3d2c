"""What the real-browser tests share: `eioku serve` on a home where the demo sample has
been analyzed, Debian's Chromium driven by Playwright (never a downloaded browser), a page
that records console errors, and the folder the screenshots go to."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.distributed import REPO
from tests.support.embedded import eioku_serve

DEMO_SAMPLE = REPO / "pipeline" / "demo" / "sample.mp4"
DEMO_ANALYZERS = "scenes,transcript,faces,ocr"
CHROMIUM = Path(os.environ.get("EIOKU_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("EIOKU_TEST_SCREENSHOTS", REPO / "tests" / "output" / "web"))
VIEWPORT = {"width": 1280, "height": 800}


@dataclass
class Served:
    base: str
    home: Path
    video_id: str
    client: httpx.Client


def analyzed_home(root: Path, analyzers: str = DEMO_ANALYZERS) -> tuple[Path, Path]:
    """A home where the demo sample (copied under ``root``/videos) is analyzed."""
    videos = root / "videos"
    videos.mkdir()
    sample = Path(shutil.copy2(DEMO_SAMPLE, videos / "sample.mp4"))
    home = root / "home"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "analyze", str(sample), "-a", analyzers],
        env=server_env(home, videos),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return home, videos


def server_env(home: Path, videos: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "EIOKU_HOME": str(home), "EIOKU_ALLOWED_ROOTS": str(videos), **extra}
    for name in ("EIOKU_DATABASE_URL", "EIOKU_BROKER_URL", "EIOKU_API_TOKEN"):
        env.pop(name, None)  # embedded SQLite, runs in the server, no token on loopback
    return env


@contextmanager
def served(home: Path, videos: Path) -> Iterator[Served]:
    with (
        eioku_serve(server_env(home, videos)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        video_id = client.get("/v1/videos").json()["videos"][0]["video_id"]
        yield Served(base, home, video_id, client)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's `chromium` package "
            "(scripts/prepare-machine does) or point EIOKU_TEST_CHROMIUM at one",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class WatchedPage:
    """A page and every console error or uncaught exception it produced."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def assert_no_errors(self) -> None:
        assert self.errors == [], self.errors


def watched_page(browser: Browser, viewport: dict[str, int] = VIEWPORT) -> WatchedPage:
    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    watched = WatchedPage(page)
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and watched.errors.append(f"{message.text} @ {message.location}")
        ),
    )
    page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
    return watched


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
