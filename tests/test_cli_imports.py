"""A CLI that starts fast: importing the command line loads no heavy library; each is
imported by the command that needs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.distributed import REPO

DEMO = REPO / "pipeline" / "demo" / "sample.mp4"

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


def test_embedded_analysis_imports_no_task_queue_library(tmp_path: Path) -> None:
    """kombu and Celery are for distributed work: `eioku analyze` without a broker, the
    API's submission path without one and planning never load them."""
    probe = (
        "import json, sys\n"
        "from pipeline.cli.main import app\n"
        "try:\n"
        f"    app(['analyze', {str(DEMO)!r}, '-a', 'scenes', '--json'], prog_name='eioku')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "queue = {'kombu', 'celery', 'billiard', 'amqp', 'redis'}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & queue)))\n"
    )
    env = {**os.environ, "EIOKU_HOME": str(tmp_path / "home")}
    env.pop("EIOKU_BROKER_URL", None)
    env.pop("EIOKU_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
