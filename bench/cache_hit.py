"""First analysis vs cached re-analysis of the same unchanged file.

    .venv/bin/python -m bench.cache_hit [--seconds 60] [--size 640x360] [--database-url URL]

Generates a video with cuts, then times, in one run of this script:
  1. the whole `eioku analyze` command (fresh interpreter), first run and re-run (answered
     from its stamp), the re-run with stamps off (answered by the planner; the output must
     be the same), and `eioku --help`, each as /usr/bin/time would (wall, user + system
     CPU, peak memory);
  2. the in-process `analyze_file` call, first run (forced) and re-run;
  3. the import profile of the cached `eioku analyze` (`python -X importtime`): the 10
     packages costing most.
The re-run must find every run `cached`; the script fails loudly if it does not.
Default database: a fresh embedded SQLite file in a temporary EIOKU_HOME.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.db.connect import open_database
from pipeline.settings import load_settings
from support.synthetic import alternating_shots, write_video

SHOT_SECONDS = 4
FPS = 25
GOAL_S = 0.35
TIME = "/usr/bin/time"  # GNU time
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


@dataclass(frozen=True)
class ProcessCost:
    wall_s: float
    cpu_s: float
    peak_mb: float
    stdout: str

    def row(self, label: str) -> str:
        return f"{label:<34}{self.wall_s:>9.3f}s{self.cpu_s:>9.3f}s{self.peak_mb:>9.0f}MB"


def timed_process(args: list[str], env: dict[str, str]) -> ProcessCost:
    """One command in a fresh interpreter under /usr/bin/time (CPU and peak memory of that
    process alone); wall time measured here."""
    began = time.perf_counter()
    done = subprocess.run(
        [TIME, "-f", "%U %S %M", sys.executable, "-m", "pipeline.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - began
    user, system, peak_kb = done.stderr.strip().splitlines()[-1].split()
    return ProcessCost(wall, float(user) + float(system), int(peak_kb) / 1024, done.stdout)


def timed_command(args: list[str], env: dict[str, str]) -> tuple[ProcessCost, list[str]]:
    cost = timed_process([*args, "--json"], env)
    outcomes = [run["outcome"] for report in json.loads(cost.stdout) for run in report["runs"]]
    return cost, outcomes


def import_profile(args: list[str], env: dict[str, str], top: int = 10) -> list[tuple[str, float]]:
    """Seconds of import time (own time of every module) per top-level package, over the
    whole command."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    packages: dict[str, float] = {}
    for own_us, module in _IMPORT_LINE.findall(done.stderr):
        package = module.split(".")[0]
        packages[package] = packages.get(package, 0.0) + int(own_us) / 1e6
    return sorted(packages.items(), key=lambda item: -item[1])[:top]


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
        help_cost = min((timed_process(["--help"], env) for _ in range(3)), key=_wall)
        cached_cost = min(
            [cli_again, *(timed_command(["analyze", str(video)], env)[0] for _ in range(2))],
            key=_wall,
        )
        planner_env = {**env, "EIOKU_ANALYZE_STAMPS": "off"}
        planned_cost = min(
            (timed_command(["analyze", str(video)], planner_env)[0] for _ in range(3)), key=_wall
        )
        if planned_cost.stdout != cached_cost.stdout:
            raise SystemExit("the stamped answer differs from the planner's")
        imports = import_profile(["analyze", str(video), "--json"], env)

        os.environ.update(env)
        db = open_database(load_settings())
        catalog = AnalyzerCatalog(load_settings())
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
        ("`eioku analyze` command (wall)", cli_first.wall_s, cached_cost.wall_s),
        ("analyze_file in-process", inproc_first, inproc_again),
    ):
        print(f"{label:<34}{first:>11.3f}s{again:>11.3f}s{first / again:>9.1f}x")
    print(f"\nwhole process (best of 3), goal <= {GOAL_S} s wall; load {os.getloadavg()[0]:.2f}")
    print(f"{'command':<34}{'wall':>10}{'cpu':>10}{'peak':>11}")
    print(help_cost.row("eioku --help"))
    print(cached_cost.row("eioku analyze (cached)"))
    print(planned_cost.row("  the same, stamps off (planner)"))
    ratio = planned_cost.wall_s / cached_cost.wall_s
    print(f"the stamp answers {ratio:.1f}x faster than the planner, with the same output")
    if args.database_url:
        print("(a server database is always planned: stamps are SQLite's)")
    print("\nimport profile of the cached `eioku analyze`, top 10 packages (own time):")
    for package, seconds in imports:
        print(f"  {package:<24}{seconds:>8.3f}s")


def _wall(cost: ProcessCost) -> float:
    return cost.wall_s


if __name__ == "__main__":
    main()
