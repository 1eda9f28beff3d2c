"""Throughput of the distributed pipeline with 1 vs 2 worker processes, pinned and not.

    .venv/bin/python -m bench.scale_workers [--videos 8] [--seconds 30] [--repeats 3]
        [--broker redis://127.0.0.1:6379/9]

For each layout, in a fresh temporary PostgreSQL database (so nothing is cached): start
the workers, plan the batch of generated videos (scene detection, 640x360; the producer's
work, done before the clock starts: in a deployment it runs on another host), then send
every run and time until the last run's `finished_at`; stop the workers. Layouts: unpinned, one
`eioku worker -c N` started with every core (its pool processes take their own share of
the cores, EIOKU_PIN_CORES); pinned, N workers of one process each, worker i held to core
i (os.sched_setaffinity: what N one-core hosts see); in-process, the machine's ceiling:
N bench.scenes_share processes, process i on core i, running the same analyzer on the
same videos with no Celery, database or broker (how much two busy cores slow each other
down here, whatever Eioku does). Each process keeps to its thread budget (EIOKU_THREADS,
default cores ÷ concurrency). Every layout is measured --repeats times, the rounds
interleaved; prints the median seconds, videos per minute and the speed-up of 2
processes over 1 in each layout, and the pinned speed-up as a share of the ceiling.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import redis

from bench.support import temporary_database
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.planning import AnalysisRequest, plan_file
from pipeline.coordinator.task_sender import TaskSender
from pipeline.coordinator.waiting import wait_for_runs
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.settings import load_settings
from support.synthetic import alternating_shots, write_video

SHOT_FRAMES = 75  # 3 s at 25 fps
IN_PROCESS = "in-process"
LAYOUTS = ("pinned", "unpinned", IN_PROCESS)


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


def start_worker(
    env: dict[str, str],
    concurrency: int,
    log: Path,
    core: int | None = None,
    analyzer: str = "scenes",
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pipeline.cli.main", "worker", "-a", analyzer,
               "-c", str(concurrency), "-n", f"{log.stem}@%h", "-l", "INFO"]  # fmt: skip

    def pin() -> None:
        if core is not None:
            os.sched_setaffinity(0, {core})

    with log.open("wb") as output:
        worker = subprocess.Popen(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=pin,
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


def start_layout(
    env: dict[str, str], processes: int, pinned: bool, workdir: Path
) -> list[subprocess.Popen[bytes]]:
    layout = "pinned" if pinned else "unpinned"
    if not pinned:
        return [start_worker(env, processes, workdir / f"{layout}{processes}.log")]
    cores = sorted(os.sched_getaffinity(0))
    return [
        start_worker(env, 1, workdir / f"{layout}{processes}-{core}.log", core)
        for core in cores[:processes]
    ]


def measure(videos: list[Path], processes: int, pinned: bool, broker: str, workdir: Path) -> float:
    with temporary_database() as url:
        env = {**os.environ, "EIOKU_DATABASE_URL": url, "EIOKU_BROKER_URL": broker,
               "EIOKU_HOME": str(workdir / "home")}  # fmt: skip
        os.environ.update(env)
        settings = load_settings()
        db = Database.from_url(url)
        upgrade(db.engine)
        workers = start_layout(env, processes, pinned, workdir)
        sender = TaskSender(settings, db)
        try:
            catalog = AnalyzerCatalog(settings)
            request = AnalysisRequest(["scenes"], "fast", {})
            # the producer's share (register, fingerprint, plan) runs on another host in a
            # deployment: done before the clock starts, so it takes no worker's core
            runs = [
                plan.run
                for video in videos
                for plan in plan_file(db, catalog, str(video), request).planned
            ]
            began = datetime.now(UTC)
            for run in runs:
                sender.send(run)
            run_ids = [run.run_id for run in runs]
            # the clock stops when the last run finished (its own finished_at), so polling
            # can be rare: it takes no CPU from the workers and adds no latency
            finished = wait_for_runs(db, run_ids, on_update=lambda run: None, poll_s=0.5)
        finally:
            for worker in workers:
                stop_worker(worker)
            sender.close()
            db.dispose()
        statuses = {run.status for run in finished}
        if statuses != {"succeeded"} or len(finished) != len(videos):
            raise SystemExit(f"runs did not all succeed: {statuses}")
        last = max(run.finished_at for run in finished if run.finished_at is not None)
        return (last - began).total_seconds()


def in_process_seconds(videos: list[Path], processes: int) -> float:
    """The batch analysed by ``processes`` bench.scenes_share processes, process i on core
    i with every processes-th video, all started at once: the wall time of the slowest."""
    cores = sorted(os.sched_getaffinity(0))
    commands = [
        [sys.executable, "-m", "bench.scenes_share", str(cores[index])]
        + [str(video) for video in videos[index::processes]]
        for index in range(processes)
    ]
    shares = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for command in commands
    ]
    for share in shares:
        assert share.stdout is not None and share.stdout.readline().strip() == "ready"
    for share in shares:
        assert share.stdin is not None
        share.stdin.write("go\n")
        share.stdin.flush()
    return max(float(share.communicate()[0]) for share in shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30, help="length of each video")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the median is kept")
    args = parser.parse_args()
    redis.Redis.from_url(args.broker).flushdb()
    with tempfile.TemporaryDirectory(prefix="eioku-scale-") as directory:
        workdir = Path(directory)
        videos = make_batch(workdir, args.videos, args.seconds)
        print(f"batch: {args.videos} videos x {args.seconds} s, 640x360, analyzer scenes/fast")
        cores = len(os.sched_getaffinity(0))
        print(f"cores usable: {cores}; load average before: {os.getloadavg()[0]:.2f}")
        layouts = [(layout, processes) for layout in LAYOUTS for processes in (1, 2)]
        rounds: dict[tuple[str, int], list[float]] = {key: [] for key in layouts}
        for _ in range(args.repeats):  # rounds interleave the layouts: drift hits them alike
            for layout, processes in layouts:
                rounds[(layout, processes)].append(
                    in_process_seconds(videos, processes)
                    if layout == IN_PROCESS
                    else measure(videos, processes, layout == "pinned", args.broker, workdir)
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    seconds = {key: statistics.median(values) for key, values in rounds.items()}
    print(f"{'layout':<10}{'processes':>10}{'seconds':>10}{'videos/min':>12}  every round (s)")
    for (layout, processes), elapsed in seconds.items():
        each = " ".join(f"{value:.2f}" for value in rounds[(layout, processes)])
        print(
            f"{layout:<10}{processes:>10}{elapsed:>10.2f}{args.videos / elapsed * 60:>12.1f}"
            f"  {each}"
        )
    ratios = {layout: seconds[(layout, 1)] / seconds[(layout, 2)] for layout in LAYOUTS}
    for layout, goal in (("pinned", 1.85), ("unpinned", 1.6)):
        print(f"speed-up 2 vs 1, {layout}: {ratios[layout]:.2f}x (goal >= {goal}x)")
    ceiling = ratios[IN_PROCESS]
    print(
        f"speed-up 2 vs 1, {IN_PROCESS} (no Celery, database or broker; the machine's "
        f"ceiling): {ceiling:.2f}x; pinned workers reach {ratios['pinned'] / ceiling:.0%} of it"
    )


if __name__ == "__main__":
    main()
