"""Long videos (docs/ARCHITECTURE.md, "Segments"): one long realistic video (bench/long_media.py:
real stills, text cards, a talking head, speech; 20 minutes by default) per analyzer.

    .venv/bin/python -m bench.long_video [--minutes 20] [--analyzers ocr,faces,transcript,scenes]
        [--parts scale,resume,memory] [--memory-minutes 10,40] [--segment-s 300]
        [--set ANALYZER.KEY=VALUE ...] [--work DIR] [--broker redis://127.0.0.1:6379/9]

Parts, each printed with its goal:
- scale: the video through 1 vs 2 worker processes, each pinned to a core of its own and
  given one thread (what one-core hosts see), in a fresh PostgreSQL database; seconds
  from sending the run until its ``finished_at``. Goal >= 1.8x for ocr and faces.
- resume: embedded (`eioku analyze`, SQLite): the run uninterrupted, then again in a fresh
  home killed (SIGKILL) once its progress passes 50 % and run again; the killed and the
  resumed process's seconds together vs the uninterrupted run. Goal <= 1.15x, artifacts
  equal.
- memory: the peak resident memory (the child's ru_maxrss) of an embedded run on a
  10- and a 40-minute video. Goal <= 1.2x.
The machine's load average is printed before and after.
"""

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.long_media import long_video
from bench.scale_workers import start_worker, stop_worker
from bench.support import temporary_database
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.planning import AnalysisRequest, plan_file
from pipeline.coordinator.task_sender import TaskSender
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.settings import load_settings

GOALS = {"scale": 1.8, "resume": 1.15, "memory": 1.2}
SCALE_GOAL_ANALYZERS = ("ocr", "faces")


def scale_seconds(
    video: Path, analyzer: str, processes: int, overrides: dict[str, Any], options: Any
) -> float:
    workdir = Path(tempfile.mkdtemp(prefix=f"scale-{analyzer}-{processes}-", dir=options.work))
    with temporary_database() as url:
        env = {**os.environ, "EIOKU_DATABASE_URL": url, "EIOKU_BROKER_URL": options.broker,
               "EIOKU_HOME": str(workdir / "home"), "EIOKU_THREADS": "1",
               "EIOKU_SEGMENT_S": str(options.segment_s)}  # fmt: skip
        os.environ.update(env)
        settings = load_settings()
        db = Database.from_url(url)
        upgrade(db.engine)
        cores = sorted(os.sched_getaffinity(0))[:processes]
        workers = [start_worker(env, 1, workdir / f"w{core}.log", core, analyzer) for core in cores]
        sender = TaskSender(settings, db)
        try:
            request = AnalysisRequest([analyzer], "fast", overrides)
            [planned] = plan_file(db, AnalyzerCatalog(settings), str(video), request).planned
            began = datetime.now(UTC)
            sender.send(planned.run)
            [run] = wait_for_runs(db, [planned.run.run_id], on_update=lambda run: None, poll_s=1)
        finally:
            for worker in workers:
                stop_worker(worker)
            sender.close()
            db.dispose()
    if run.status != "succeeded" or run.finished_at is None:
        raise SystemExit(f"{analyzer}: the run ended {run.status}: {run.error_message}")
    return (run.finished_at - began).total_seconds()


def embedded_env(home: Path, segment_s: float) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("EIOKU_DATABASE_URL", "EIOKU_BROKER_URL")
    }
    return {**env, "EIOKU_HOME": str(home), "EIOKU_SEGMENT_S": str(segment_s)}


def analyze_command(video: Path, analyzer: str, sets: Sequence[str]) -> list[str]:
    flags = [part for value in sets for part in ("--set", value)]
    return [sys.executable, "-m", "pipeline.cli.main", "analyze", str(video), "-a", analyzer,
            *flags, "--json"]  # fmt: skip


def run_embedded(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds and peak resident memory (KiB) of one `eioku analyze` process."""
    began = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return time.monotonic() - began, usage.ru_maxrss


def progress_of(home: Path) -> float:
    try:
        with sqlite3.connect(home / "eioku.db", timeout=5) as connection:
            row = connection.execute(
                "SELECT max(progress) FROM runs WHERE status='running'"
            ).fetchone()
    except sqlite3.Error:
        return 0.0
    return float(row[0] or 0.0)


def payloads(home: Path) -> list[str]:
    with sqlite3.connect(home / "eioku.db") as connection:
        rows = connection.execute("SELECT payload FROM artifacts ORDER BY span_start_ms").fetchall()
    return sorted(json.dumps(json.loads(payload), sort_keys=True) for (payload,) in rows)


def resume_part(video: Path, analyzer: str, sets: Sequence[str], options: Any) -> dict[str, Any]:
    command = analyze_command(video, analyzer, sets)
    whole_home = Path(tempfile.mkdtemp(prefix=f"whole-{analyzer}-", dir=options.work))
    uninterrupted, _ = run_embedded(command, embedded_env(whole_home, options.segment_s))
    home = Path(tempfile.mkdtemp(prefix=f"resume-{analyzer}-", dir=options.work))
    env = embedded_env(home, options.segment_s)
    began = time.monotonic()
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while progress_of(home) < 0.5:
        if first.poll() is not None:
            raise SystemExit(f"{analyzer}: the run ended before 50 %")
        time.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic() - began
    resumed, _ = run_embedded(command, env)
    return {
        "uninterrupted_s": round(uninterrupted, 1),
        "killed_after_s": round(killed_at, 1),
        "resumed_s": round(resumed, 1),
        "ratio": round((killed_at + resumed) / uninterrupted, 3),
        "artifacts_equal": payloads(home) == payloads(whole_home),
        "artifacts": len(payloads(home)),
    }


def memory_part(analyzer: str, sets: Sequence[str], options: Any) -> dict[str, Any]:
    short_minutes, long_minutes = options.memory_minutes
    peaks = {}
    for minutes in (short_minutes, long_minutes):
        video = long_video(Path(options.work), minutes)
        home = Path(tempfile.mkdtemp(prefix=f"memory-{analyzer}-", dir=options.work))
        seconds, peak_kib = run_embedded(
            analyze_command(video, analyzer, sets), embedded_env(home, options.segment_s)
        )
        peaks[minutes] = (peak_kib, seconds, len(payloads(home)))
    short, long = peaks[short_minutes], peaks[long_minutes]
    return {
        f"peak_rss_mib_{short_minutes:g}min": round(short[0] / 1024),
        f"peak_rss_mib_{long_minutes:g}min": round(long[0] / 1024),
        "ratio": round(long[0] / short[0], 3),
        "seconds": [round(short[1], 1), round(long[1], 1)],
        "artifacts": [short[2], long[2]],
    }


def overrides_for(analyzer: str, sets: Sequence[str]) -> dict[str, Any]:
    mine = {}
    for value in sets:
        key, _, raw = value.partition("=")
        name, _, setting = key.partition(".")
        if name == analyzer:
            mine[setting] = json.loads(raw) if raw[:1] in "0123456789[{tfn-" else raw
    return mine


def _minutes(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--analyzers", default="ocr,faces,transcript,scenes")
    parser.add_argument("--parts", default="scale,resume,memory")
    parser.add_argument("--memory-minutes", default="10,40", type=_minutes)
    parser.add_argument("--segment-s", type=float, default=300)
    parser.add_argument("--set", dest="sets", action="append", default=[])
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "eioku-long-video"))
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    options = parser.parse_args()
    Path(options.work).mkdir(parents=True, exist_ok=True)
    parts = options.parts.split(",")
    print(f"load average before: {os.getloadavg()}; cores: {len(os.sched_getaffinity(0))}")
    video = long_video(Path(options.work), options.minutes)
    print(f"video: {video} ({options.minutes:g} min), segment_s {options.segment_s:g}")
    for analyzer in options.analyzers.split(","):
        sets = [value for value in options.sets if value.startswith(f"{analyzer}.")]
        figures: dict[str, Any] = {"analyzer": analyzer, "set": sets}
        if "scale" in parts:
            overrides = overrides_for(analyzer, sets)
            one = scale_seconds(video, analyzer, 1, overrides, options)
            two = scale_seconds(video, analyzer, 2, overrides, options)
            goal = f">= {GOALS['scale']}x" if analyzer in SCALE_GOAL_ANALYZERS else "(no goal)"
            figures["scale"] = {"one_worker_s": round(one, 1), "two_workers_s": round(two, 1),
                                "speedup": round(one / two, 3), "goal": goal}  # fmt: skip
        if "resume" in parts:
            figures["resume"] = {**resume_part(video, analyzer, sets, options),
                                 "goal": f"<= {GOALS['resume']}x"}  # fmt: skip
        if "memory" in parts:
            figures["memory"] = {**memory_part(analyzer, sets, options),
                                 "goal": f"<= {GOALS['memory']}x"}  # fmt: skip
        print(json.dumps(figures), flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
