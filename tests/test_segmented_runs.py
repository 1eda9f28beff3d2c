"""Segmented runs end to end (docs/ARCHITECTURE.md, "Segments"), on SQLite and PostgreSQL,
with real `eioku analyze` processes and real Celery workers: a segmented run's artifacts
equal the whole run's; a killed run resumes with only the windows it had not finished;
two workers share one video; and a file changed under a run fails it without caching
anything. The analyzer is tests/support/paced_windows.py (the brightness plugin, paced)."""

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pipeline.analysis.segments import Window, plan_windows
from pipeline.coordinator.owner import ProcessOwner, owner_is_gone
from pipeline.coordinator.segmented import windows_for
from pipeline.db.engine import Database
from pipeline.db.models import Artifact, Run, RunSegment, SegmentStatus
from pipeline.db.repositories import SegmentRepository
from pipeline.db.types import utcnow
from support.sources import probe_source
from support.synthetic import Shot, write_video
from tests.support.distributed import REPO, RedisServer, Worker, wait_until
from tests.support.factories import make_run, make_video

pytestmark = pytest.mark.slow

PLUGIN_PATH = os.pathsep.join(
    str(path)
    for path in (REPO / "tests" / "data" / "brightness_plugin", REPO / "tests" / "support", REPO)
)
SEGMENT_S = "4"
PACE = ["--set", "paced.pace_ms=60"]  # about 0.5 s per window of 4 s (8 samples)


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 s of dark and bright shots of uneven lengths, a keyframe every second: windows
    of 4 s whose boundaries fall inside spans."""
    shots = [Shot(frames, hue=0.1 * i, value=0.15 if i % 2 else 0.9)
             for i, frames in enumerate([130, 95, 160, 70, 145])]  # fmt: skip
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    return write_video(path, shots, size=(96, 64), keyframe_every=25)


@pytest.fixture(scope="module")
def total(long_video: Path) -> int:
    """How many windows the video's runs are planned in (boundaries on its keyframes)."""
    windows = windows_for(probe_source(str(long_video)), float(SEGMENT_S))
    assert len(windows) >= 5
    return len(windows)


def database_url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def environment(db: Database, home: Path, log: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "EIOKU_BROKER_URL"}
    return {
        **env,
        "EIOKU_HOME": str(home),
        "EIOKU_DATABASE_URL": database_url(db),
        "EIOKU_ANALYZER_PLUGINS": "paced_windows:PacedBrightness",
        "EIOKU_SEGMENT_S": SEGMENT_S,
        "PYTHONPATH": PLUGIN_PATH,
        "PACED_WINDOW_LOG": str(log),
        **extra,
    }


def eioku(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def start_analyze(env: dict[str, str], video: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "analyze", str(video), "-a", "paced",
         *PACE, "--json"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def observed_windows(log: Path) -> list[tuple[int, int]]:
    """(pid, window index) of every window the paced analyzer finished observing."""
    if not log.exists():
        return []
    return [tuple(map(int, line.split())) for line in log.read_text().split("\n") if line]  # type: ignore[misc]


def spans(db: Database) -> list[tuple[Any, ...]]:
    with db.sessions() as session:
        payloads = session.scalars(
            select(Artifact.payload).where(Artifact.artifact_type == "brightness.span")
        ).all()
    return sorted((p["start_ms"], p["end_ms"], p["label"], p["mean_luma"]) for p in payloads)


def the_run(db: Database) -> Run:
    with db.sessions() as session:
        return session.scalars(select(Run).where(Run.analyzer == "paced")).one()


def done_windows(db: Database) -> int:
    with db.sessions() as session:
        rows = session.scalars(
            select(RunSegment.seq).where(RunSegment.status == SegmentStatus.DONE)
        ).all()
    return len(rows)


def window_count(db: Database) -> int:
    with db.sessions() as session:
        return len(session.scalars(select(RunSegment.seq)).all())


@pytest.fixture(scope="module")
def whole_spans(
    long_video: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[Any, ...]]:
    """The unsegmented run's spans, on a SQLite of its own."""
    home = tmp_path_factory.mktemp("whole")
    db = Database.from_url(f"sqlite:///{home / 'eioku.db'}")
    env = environment(db, home, home / "windows.log", EIOKU_SEGMENT_S="1000")
    done = eioku(env, "analyze", str(long_video), "-a", "paced", "--json")
    assert done.returncode == 0, done.stderr
    assert [w for _, w in observed_windows(home / "windows.log")] == [0]  # one window
    found = spans(db)
    db.dispose()
    assert len({label for *_, label, _ in found}) == 2 and len(found) >= 5
    return found


def test_windows_are_claimed_once_and_a_silent_or_dead_ones_taken_over(db: Database) -> None:
    with db.transaction() as session:
        video = make_video(session)
        run = make_run(session, video.video_id, status="running")
        segments = SegmentRepository(session)
        planned = segments.plan(run.run_id, plan_windows(20_000, 5_000))
        assert segments.plan(run.run_id, plan_windows(20_000, 1_000)) == planned  # kept
    alive = ProcessOwner.current().as_columns()
    dead = {**alive, "owner_pid": exited_pid(), "owner_start": None}
    a_minute_ago = utcnow() - timedelta(seconds=60)

    def claim(worker: str, owner: dict[str, Any], stale_before: datetime) -> tuple[Window, str]:
        with db.transaction() as session:
            claimed = SegmentRepository(session).claim_next(
                run.run_id, worker, owner, stale_before, owner_is_gone
            )
        assert claimed is not None
        return claimed

    first, second, third = (claim(w, o, a_minute_ago) for w, o in
                            (("a", alive), ("b", alive), ("c", dead)))  # fmt: skip
    assert [claimed[0].index for claimed in (first, second, third)] == [0, 1, 2]
    # window 2's process is gone: it is free at once, its heartbeat notwithstanding
    assert claim("d", alive, a_minute_ago)[0].index == 2
    with db.transaction() as session:
        segments = SegmentRepository(session)
        assert segments.finish(run.run_id, 0, first[1], [[1, 2.0]], 10)
        assert not segments.finish(run.run_id, 1, "not-the-claim", [], 10)
        assert not segments.beat(run.run_id, 2, third[1])  # that claim is lost
    # the worker of window 1 is silent: a claim with a later cut-off takes it over
    taken = claim("e", alive, utcnow() + timedelta(seconds=1))
    assert taken[0].index == 1
    with db.transaction() as session:
        segments = SegmentRepository(session)
        assert not segments.beat(run.run_id, 1, second[1])
        assert segments.counts(run.run_id) == {"done": 1, "running": 2, "pending": 1}
        assert segments.finished_of([run.run_id, "other"]) == {run.run_id: (1, 4)}
        assert list(segments.observations(run.run_id)) == [[1, 2.0]]
        assert segments.discard(run.run_id) == 4


def exited_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_segmented_run_equals_the_whole_run(
    db: Database, long_video: Path, whole_spans: list[tuple[Any, ...]], tmp_path: Path, total: int
) -> None:
    log = tmp_path / "windows.log"
    env = environment(db, tmp_path / "home", log)
    done = eioku(env, "analyze", str(long_video), "-a", "paced", "--json")
    assert done.returncode == 0, done.stderr
    [run] = json.loads(done.stdout)[0]["runs"]
    assert run["outcome"] == "succeeded"
    assert sorted(w for _, w in observed_windows(log)) == list(range(total))
    assert spans(db) == whole_spans
    assert window_count(db) == 0  # the windows' observations went with the commit


def test_a_killed_run_resumes_with_only_the_windows_it_had_not_finished(
    db: Database, long_video: Path, whole_spans: list[tuple[Any, ...]], tmp_path: Path, total: int
) -> None:
    log = tmp_path / "windows.log"
    # the window the killed process held is taken over because its process is gone, not
    # after an hour of silence: the re-run would hang past its timeout otherwise
    env = environment(db, tmp_path / "home", log, EIOKU_STALE_AFTER="3600")
    first = start_analyze(env, long_video)
    wait_until(lambda: done_windows(db) >= 3, 120, "three windows done")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    finished_before = done_windows(db)
    assert the_run(db).status == "running"  # killed: nobody reset it
    listed = eioku(env, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["windows"] == [finished_before, total]
    again = eioku(env, "analyze", str(long_video), "-a", "paced", *PACE, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["runs"][0]["outcome"] == "succeeded"
    # (the killed process may have logged a window it had no time left to store)
    assert 0 <= Counter(pid for pid, _ in observed_windows(log))[first.pid] - finished_before <= 1
    redone = [w for pid, w in observed_windows(log) if pid != first.pid]
    assert len(redone) == total - finished_before  # nothing finished was observed again
    assert spans(db) == whole_spans
    assert the_run(db).attempts == 2


MUTATIONS = ["truncate", "append", "overwrite", "overwrite_first_block", "delete"]


def mutate(path: Path, how: str, original: bytes) -> None:
    stat = path.stat()
    match how:
        case "truncate":
            with path.open("r+b") as handle:
                handle.truncate(len(original) // 2)
        case "append":
            with path.open("ab") as handle:
                handle.write(b"\0" * 4096)
        case "overwrite":
            path.write_bytes(original[: len(original) // 3] * 3)
        case "overwrite_first_block":  # same size, and the mtime put back
            with path.open("r+b") as handle:
                handle.write(bytes(4096))
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        case "delete":
            path.unlink()


@pytest.mark.parametrize("how", MUTATIONS)
def test_a_file_changed_under_an_embedded_run_fails_it_and_nothing_is_cached(
    db: Database, long_video: Path, tmp_path: Path, how: str
) -> None:
    env = environment(db, tmp_path / "home", tmp_path / "windows.log")
    video = Path(shutil.copy2(long_video, tmp_path / "victim.mp4"))
    original = video.read_bytes()
    running = start_analyze(env, video)
    wait_until(lambda: done_windows(db) >= 1, 120, "a window done")
    mutate(video, how, original)
    running.communicate(timeout=120)
    check_failed_and_uncached(db, env, how, original, tmp_path)


def check_failed_and_uncached(
    db: Database, env: dict[str, str], how: str, original: bytes, tmp_path: Path
) -> None:
    run = the_run(db)
    expected = "video_file_unavailable" if how == "delete" else "input_changed"
    assert (run.status, run.error_code) == ("failed", expected), run.error_message
    assert spans(db) == []
    assert window_count(db) == 0  # what was observed from other bytes is gone
    intact = tmp_path / "intact-copy.mp4"
    intact.write_bytes(original)
    again = eioku(env, "analyze", str(intact), "-a", "paced", "--json")
    assert again.returncode == 0, again.stderr
    [rerun] = json.loads(again.stdout)[0]["runs"]
    assert rerun["outcome"] == "succeeded" and rerun["artifact_count"] > 0  # not "cached"


@pytest.fixture
def workers_env(db: Database, broker: RedisServer, tmp_path: Path) -> dict[str, str]:
    """Workers that notice a dead owner within seconds: heartbeats every 0.5 s, stale
    after 3 s, a reconciler pass every second."""
    env = environment(
        db, tmp_path / "home", tmp_path / "windows.log",
        EIOKU_BROKER_URL=broker.url, EIOKU_HEARTBEAT_INTERVAL="0.5",
        EIOKU_STALE_AFTER="3", EIOKU_RECONCILE_INTERVAL="1",
    )  # fmt: skip
    return env


def test_two_workers_share_one_video(
    db: Database,
    workers_env: dict[str, str],
    long_video: Path,
    whole_spans: list[tuple[Any, ...]],
    tmp_path: Path,
    total: int,
) -> None:
    queue = ["eioku.analyze.paced"]
    workers = [Worker(workers_env, queue, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        done = eioku(workers_env, "submit", str(long_video), "-a", "paced", *PACE, "--wait",
                     "--json")  # fmt: skip
        assert done.returncode == 0, done.stderr + workers[0].output() + workers[1].output()
    finally:
        for worker in workers:
            worker.stop()
    windows = observed_windows(tmp_path / "windows.log")
    assert sorted(w for _, w in windows) == list(range(total))
    assert len({pid for pid, _ in windows}) == 2  # both workers observed windows
    assert spans(db) == whole_spans


def test_a_worker_killed_midway_costs_only_its_unfinished_windows(
    db: Database,
    workers_env: dict[str, str],
    long_video: Path,
    whole_spans: list[tuple[Any, ...]],
    tmp_path: Path,
    total: int,
) -> None:
    queue = ["eioku.analyze.paced"]
    first = Worker(workers_env, queue, tmp_path / "w1.log")
    submitted = eioku(workers_env, "submit", str(long_video), "-a", "paced", *PACE, "--json")
    assert submitted.returncode == 0, submitted.stderr
    wait_until(lambda: done_windows(db) >= 3, 120, "three windows done")
    first.kill()
    finished_before = done_windows(db)
    logged_before = len(observed_windows(tmp_path / "windows.log"))
    second = Worker(workers_env, queue, tmp_path / "w2.log")
    try:
        wait_until(lambda: the_run(db).status == "succeeded", 120, "the run taken over and done")
    finally:
        second.stop()
    windows = observed_windows(tmp_path / "windows.log")
    assert len({pid for pid, _ in windows}) == 2  # the killed worker's, then the second's
    redone = windows[logged_before:]
    assert len(redone) == total - finished_before  # nothing finished was observed again
    assert sorted({w for _, w in windows}) == list(range(total))
    assert spans(db) == whole_spans


def test_a_file_changed_under_a_worker_fails_the_run_and_nothing_is_cached(
    db: Database, workers_env: dict[str, str], long_video: Path, tmp_path: Path
) -> None:
    """Truncated while a worker reads it (every kind of change is tested embedded; the
    check runs in the same owner loop here)."""
    how = "truncate"
    video = Path(shutil.copy2(long_video, tmp_path / "victim.mp4"))
    original = video.read_bytes()
    worker = Worker(workers_env, ["eioku.analyze.paced"], tmp_path / "w.log")
    try:
        submitted = eioku(workers_env, "submit", str(video), "-a", "paced", *PACE, "--json")
        assert submitted.returncode == 0, submitted.stderr
        wait_until(lambda: done_windows(db) >= 1, 120, "a window done")
        mutate(video, how, original)
        wait_until(lambda: the_run(db).status == "failed", 120, "the run failed")
    finally:
        worker.stop()
    embedded = {k: v for k, v in workers_env.items() if k != "EIOKU_BROKER_URL"}
    check_failed_and_uncached(db, embedded, how, original, tmp_path)
