"""The web app: one HTML shell for every page (the pages route in the browser), its ES
modules and styles under /app. Nothing here holds data: the pages read the API, so they
are served without a token and ask for one when the API answers 401."""

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS_PREFIX = "/app"
PAGE = re.compile(r"^/(?:|runs|diagnostics|videos/[^/]{1,64})$")

router = APIRouter(include_in_schema=False)


def is_web_path(path: str) -> bool:
    """A page or an asset of the web app (open: they hold no data)."""
    return PAGE.match(path) is not None or path.startswith(f"{ASSETS_PREFIX}/")


def _shell() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html")


@router.get("/")
def library_page() -> FileResponse:
    return _shell()


@router.get("/runs")
def runs_page() -> FileResponse:
    return _shell()


@router.get("/diagnostics")
def diagnostics_page() -> FileResponse:
    return _shell()


@router.get("/videos/{video_id}")
def video_page(video_id: str) -> FileResponse:
    return _shell()


assets = StaticFiles(directory=WEB_DIR)
