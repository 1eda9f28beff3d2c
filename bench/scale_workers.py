"""Throughput of the distributed pipeline with 1 vs 2 worker processes.

    .venv/bin/python -m bench.scale_workers [--videos 8] [--seconds 30] [--broker redis://127.0.0.1:6379/9]

For each worker count, in a fresh temporary PostgreSQL database (so nothing is cached):
start `eioku worker -a scenes -c N`, submit the same batch of generated videos (scene
detection, 640x360), wait until every run has succeeded, stop the worker. Prints seconds,
videos per minute and the speed-up of 2 processes over 1 (this machine has 2 cores).
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.support import temporary_database
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.dispatch import Dispatcher
from pipeline.coordinator.submission import AnalysisRequest, plan_file
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.settings import load_settings
from tests.media.synthetic import alternating_shots, write_video

SHOT_FRAMES = 75  # 3 s at 25 fps


def make_batch(directory: Path, count: int, seconds: int) -> list[Path]:
    shots = seconds * 25 // SHOT_FRAMES
    return [
        write_video(
            directory / f"video{index}.mp4",
            alternating_shots([SHOT_FRAMES + index] * shots),  # distinct content per video
            size=(640, 360),
        )
        for index in range(count)
    ]


def start_worker(env: dict[str, str], concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pipeline.cli.main", "worker", "-a", "scenes",
               "-c", str(concurrency), "-n", f"bench{concurrency}@%h", "-l", "INFO"]  # fmt: skip
    with log.open("wb") as output:
        worker = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if time.monotonic() > deadline or worker.poll() is not None:
            stop_worker(worker)
            raise SystemExit(f"worker did not start; see {log}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)


def measure(videos: list[Path], concurrency: int, broker: str, workdir: Path) -> float:
    with temporary_database() as url:
        env = {**os.environ, "EIOKU_DATABASE_URL": url, "EIOKU_BROKER_URL": broker,
               "EIOKU_HOME": str(workdir / "home")}  # fmt: skip
        os.environ.update(env)
        settings = load_settings()
        db = Database.from_url(url)
        upgrade(db.engine)
        worker = start_worker(env, concurrency, workdir / f"worker{concurrency}.log")
        dispatcher = Dispatcher(settings, db)
        try:
            catalog, request = AnalyzerCatalog(), AnalysisRequest(["scenes"], "fast", {})
            began = time.perf_counter()
            run_ids = []
            for video in videos:
                for plan in plan_file(db, catalog, str(video), request).planned:
                    dispatcher.send(plan.run)
                    run_ids.append(plan.run.run_id)
            finished = wait_for_runs(db, run_ids, on_update=lambda run: None, poll_s=0.1)
            elapsed = time.perf_counter() - began
        finally:
            stop_worker(worker)
            dispatcher.close()
            db.dispose()
        statuses = {run.status for run in finished}
        if statuses != {"succeeded"} or len(finished) != len(videos):
            raise SystemExit(f"runs did not all succeed: {statuses}")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30, help="length of each video")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    redis.Redis.from_url(args.broker).flushdb()
    with tempfile.TemporaryDirectory(prefix="eioku-scale-") as directory:
        workdir = Path(directory)
        videos = make_batch(workdir, args.videos, args.seconds)
        print(f"batch: {args.videos} videos x {args.seconds} s, 640x360, analyzer scenes/fast")
        one = measure(videos, 1, args.broker, workdir)
        two = measure(videos, 2, args.broker, workdir)
    print(f"{'worker processes':<18}{'seconds':>10}{'videos/min':>12}")
    for processes, elapsed in ((1, one), (2, two)):
        print(f"{processes:<18}{elapsed:>10.2f}{args.videos / elapsed * 60:>12.1f}")
    print(f"speed-up 2 vs 1: {one / two:.2f}x (2 cores on this machine)")


if __name__ == "__main__":
    main()
