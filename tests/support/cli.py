"""Run the real `eioku` command against a given database: in-process through Typer's
CliRunner (fast), or in a fresh interpreter when a test must see what gets imported."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.db.engine import Database

ANALYZER_LIBRARIES = (
    "scenedetect",
    "cv2",
    "av",
    "torch",
    "ultralytics",
    "faster_whisper",
    "easyocr",
)

# Runs the CLI in-process, then reports which analyzer libraries got imported.
_IMPORT_PROBE = f"""
import json, sys
from pipeline.cli.main import app
try:
    app(sys.argv[1:], prog_name="eioku")
    code = 0
except SystemExit as exc:
    code = exc.code
imported = sorted({{m.split(".")[0] for m in sys.modules}} & set({ANALYZER_LIBRARIES!r}))
print("IMPORTED=" + json.dumps(imported))
sys.exit(code)
"""


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def imported_libraries(self) -> list[str]:
        line = next(line for line in self.stdout.splitlines() if line.startswith("IMPORTED="))
        return json.loads(line.removeprefix("IMPORTED="))


class Eioku:
    def __init__(self, db: Database, home: Path, **extra_env: str) -> None:
        self.env = {
            **os.environ,
            "EIOKU_HOME": str(home),
            "EIOKU_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            **extra_env,
        }

    def __call__(self, *args: str, cwd: Path | None = None) -> CliResult:
        previous = Path.cwd()
        os.chdir(cwd or previous)
        try:
            result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)
        finally:
            os.chdir(previous)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    def with_import_probe(self, *args: str) -> CliResult:
        """Run in a fresh interpreter and report the analyzer libraries it imported."""
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)
