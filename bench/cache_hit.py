"""First analysis vs cached re-analysis of the same unchanged file.

    .venv/bin/python -m bench.cache_hit [--seconds 60] [--size 640x360] [--database-url URL]

Generates a video with cuts, then times, in one run of this script:
  1. the whole `eioku analyze` command (fresh interpreter), first run and re-run;
  2. the in-process `analyze_file` call, first run (forced) and re-run.
The re-run must find every run `cached`; the script fails loudly if it does not.
Default database: a fresh embedded SQLite file in a temporary EIOKU_HOME.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.embedded import analyze_file
from pipeline.coordinator.submission import AnalysisRequest
from pipeline.db.connect import open_database
from pipeline.settings import load_settings
from tests.media.synthetic import alternating_shots, write_video

SHOT_SECONDS = 4
FPS = 25


def timed_command(args: list[str], env: dict[str, str]) -> tuple[float, list[str]]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - began
    outcomes = [run["outcome"] for report in json.loads(done.stdout) for run in report["runs"]]
    return elapsed, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60, help="length of the test video")
    parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT of the test video")
    parser.add_argument("--database-url", help="default: SQLite in a temporary EIOKU_HOME")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))

    with tempfile.TemporaryDirectory(prefix="eioku-bench-") as workdir:
        home = Path(workdir) / "home"
        env = {**os.environ, "EIOKU_HOME": str(home)}
        if args.database_url:
            env["EIOKU_DATABASE_URL"] = args.database_url
        shots = alternating_shots([SHOT_SECONDS * FPS] * (args.seconds // SHOT_SECONDS))
        video = write_video(Path(workdir) / "bench.mp4", shots, fps=FPS, size=(width, height))
        size_mb = video.stat().st_size / 1e6
        print(f"video: {args.seconds} s, {width}x{height} @ {FPS} fps, {size_mb:.1f} MB")

        cli_first, first_outcomes = timed_command(["analyze", str(video)], env)
        cli_again, again_outcomes = timed_command(["analyze", str(video)], env)
        if first_outcomes != ["succeeded"] or again_outcomes != ["cached"]:
            raise SystemExit(f"unexpected outcomes: {first_outcomes} then {again_outcomes}")

        os.environ.update(env)
        db = open_database(load_settings())
        catalog = AnalyzerCatalog()
        forced = AnalysisRequest(["scenes"], "fast", {}, force=True)
        began = time.perf_counter()
        analyze_file(db, catalog, str(video), forced)
        inproc_first = time.perf_counter() - began
        began = time.perf_counter()
        report = analyze_file(db, catalog, str(video), AnalysisRequest(["scenes"], "fast", {}))
        inproc_again = time.perf_counter() - began
        if [run.outcome for run in report.runs] != ["cached"]:
            raise SystemExit("in-process re-run was not cached")
        db.dispose()

    print(f"{'measurement':<34}{'first run':>12}{'cached':>12}{'ratio':>10}")
    for label, first, again in (
        ("`eioku analyze` command (wall)", cli_first, cli_again),
        ("analyze_file in-process", inproc_first, inproc_again),
    ):
        print(f"{label:<34}{first:>11.3f}s{again:>11.3f}s{first / again:>9.1f}x")


if __name__ == "__main__":
    main()
