"""A CLI that starts fast: importing the command line loads no heavy library; each is
imported by the command that needs it."""

import json
import subprocess
import sys

from tests.support.distributed import REPO

HEAVY = ("alembic", "celery", "fastapi", "torch", "cv2")


def test_importing_the_cli_imports_no_heavy_library() -> None:
    probe = (
        "import json, sys; import pipeline.cli.main; "
        f"print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
