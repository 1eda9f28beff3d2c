"""The distributed pipeline with real parts: PostgreSQL, a Redis of the test's own, and
`celery worker` processes. Faults are real too: SIGKILL, Redis stopped, database cut."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.planning import AnalysisRequest, plan_file
from pipeline.coordinator.registration import register_video
from pipeline.coordinator.run_plans import PlannedRun, plan_runs
from pipeline.db.engine import Database
from pipeline.db.models import Artifact, Run
from pipeline.settings import load_settings
from pipeline.taskqueue import queue_name
from support.synthetic import alternating_shots, write_video
from tests.support.cli import Eioku
from tests.support.distributed import REPO, RedisServer, TcpProxy, Worker, free_port, wait_until
from tests.support.factories import clear_tables

PLUGIN = "support.analyzers:ScriptedAnalyzer"
WORKER_TIMING = {
    "EIOKU_HEARTBEAT_INTERVAL": "0.5",
    "EIOKU_STALE_AFTER": "3",
    "EIOKU_RECONCILE_INTERVAL": "1",
}


@pytest.fixture
def pg(postgresql_database: Database) -> Database:
    clear_tables(postgresql_database)
    return postgresql_database


def database_url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def env(pg: Database, broker: RedisServer, tmp_path: Path) -> dict[str, str]:
    """What producer and workers share: the database, the broker, the test analyzer."""
    return {
        "EIOKU_DATABASE_URL": database_url(pg),
        "EIOKU_BROKER_URL": broker.url,
        "EIOKU_ANALYZER_PLUGINS": PLUGIN,
        "EIOKU_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO),
        **WORKER_TIMING,
    }


@pytest.fixture
def eioku(pg: Database, env: dict[str, str], tmp_path: Path) -> Eioku:
    return Eioku(pg, tmp_path / "home", **{k: v for k, v in env.items() if k != "EIOKU_HOME"})


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[list[Worker]]:
    """Started workers, all stopped at the end of the test."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(
    workers: list[Worker], env: dict[str, str], tmp_path: Path, *analyzers: str, **options: object
) -> Worker:
    log = tmp_path / f"worker-{uuid.uuid4().hex[:8]}.log"  # unique when started in parallel
    worker = Worker(
        {**os.environ, **env},
        [queue_name(a) for a in analyzers],
        log,
        **options,  # type: ignore[arg-type]
    )
    workers.append(worker)
    return worker


def make_videos(tmp_path: Path, count: int) -> list[Path]:
    return [
        write_video(tmp_path / f"video{i}.mp4", alternating_shots([20 + 5 * i, 25, 15 + i]))
        for i in range(count)
    ]


def run_row(db: Database, run_id: str) -> Run:
    with db.sessions() as session:
        return session.get_one(Run, run_id)


def artifact_rows(db: Database, run_id: str) -> int:
    with db.sessions() as session:
        query = select(func.count()).select_from(Artifact).where(Artifact.run_id == run_id)
        return session.scalar(query) or 0


def submitted_run_id(result_json: list[dict]) -> str:
    (report,) = result_json
    (run,) = report["runs"]
    return str(run["run_id"])


def test_three_videos_through_workers_equal_embedded_mode(
    eioku: Eioku, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    videos = make_videos(tmp_path, 3)
    start_worker(workers, env, tmp_path, "scenes", via_eioku_cli=True)
    result = eioku("submit", *map(str, videos), "--wait", "--json")
    assert result.code == 0, result.stderr
    reports = result.json()
    assert [run["outcome"] for report in reports for run in report["runs"]] == ["succeeded"] * 3

    embedded_db = Database.from_url(f"sqlite:///{tmp_path / 'embedded.db'}")
    embedded = Eioku(embedded_db, tmp_path / "embedded-home", EIOKU_BROKER_URL="")
    assert embedded("analyze", *map(str, videos)).code == 0
    for video in videos:
        distributed_payloads = [
            a["payload"] for a in eioku("artifacts", str(video), "--json").json()
        ]
        embedded_payloads = [
            a["payload"] for a in embedded("artifacts", str(video), "--json").json()
        ]
        assert distributed_payloads == embedded_payloads
        assert len(distributed_payloads) == 3
    embedded_db.dispose()


def test_a_sigkilled_worker_s_run_completes_exactly_once_on_a_new_worker(
    eioku: Eioku, pg: Database, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    (video,) = make_videos(tmp_path, 1)
    first = start_worker(workers, env, tmp_path, "scripted")
    submitted = eioku(
        "submit", str(video), "-a", "scripted", "-s", "scripted.scenes=8",
        "-s", "scripted.step_s=0.5", "--json",
    )  # fmt: skip
    run_id = submitted_run_id(submitted.json())
    wait_until(lambda: run_row(pg, run_id).progress >= 0.25, 30, "the run to be half-way")
    first.kill()

    start_worker(workers, env, tmp_path, "scripted")
    wait_until(lambda: run_row(pg, run_id).status == "succeeded", 60, "the run to succeed")
    run = run_row(pg, run_id)
    assert (run.status, run.attempts, run.artifact_count) == ("succeeded", 2, 8)
    assert artifact_rows(pg, run_id) == 8


def test_broker_outage_loses_nothing(
    eioku: Eioku,
    pg: Database,
    env: dict[str, str],
    broker: RedisServer,
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    first_video, second_video = make_videos(tmp_path, 2)
    start_worker(workers, env, tmp_path, "scripted")
    slow = ["-a", "scripted", "-s", "scripted.scenes=6", "-s", "scripted.step_s=0.5", "--json"]
    run_id = submitted_run_id(eioku("submit", str(first_video), *slow).json())
    wait_until(lambda: run_row(pg, run_id).status == "running", 30, "the run to start")
    broker.stop()  # mid-run
    time.sleep(2)
    broker.start()
    wait_until(lambda: run_row(pg, run_id).status == "succeeded", 60, "the first run")

    broker.stop()  # the producer submits while the broker is down
    threading.Timer(3, broker.start).start()
    second = eioku("submit", str(second_video), *slow)
    assert second.code == 0, second.stderr
    second_id = submitted_run_id(second.json())
    wait_until(lambda: run_row(pg, second_id).status == "succeeded", 60, "the second run")
    for finished in (run_id, second_id):
        assert (run_row(pg, finished).artifact_count, artifact_rows(pg, finished)) == (6, 6)


def test_database_outage_during_the_final_write_is_retried_without_partial_rows(
    eioku: Eioku, pg: Database, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    proxy = TcpProxy(pg.engine.url.port or 5432)
    proxy.restore()
    through_proxy = pg.engine.url.set(port=proxy.port).render_as_string(hide_password=False)
    start_worker(workers, {**env, "EIOKU_DATABASE_URL": through_proxy}, tmp_path, "scripted")
    (video,) = make_videos(tmp_path, 1)
    gate, reached = tmp_path / "gate", tmp_path / "reached"
    run_id = submitted_run_id(
        eioku(
            "submit", str(video), "-a", "scripted", "-s", "scripted.scenes=5",
            "-s", f"scripted.gate_file={json.dumps(str(gate))}",
            "-s", f"scripted.reached_file={json.dumps(str(reached))}", "--json",
        ).json()
    )  # fmt: skip
    wait_until(reached.exists, 30, "the analysis to finish")
    proxy.cut()
    gate.touch()  # the analyzer returns now: its final write meets a dead database
    time.sleep(3)
    assert artifact_rows(pg, run_id) == 0
    assert run_row(pg, run_id).status == "running"
    proxy.restore()
    wait_until(lambda: run_row(pg, run_id).status == "succeeded", 60, "the retried run")
    run = run_row(pg, run_id)
    assert (run.artifact_count, artifact_rows(pg, run_id), run.attempts) == (5, 5, 2)
    assert "retry" in workers[0].output().lower()
    proxy.cut()


def test_concurrent_submissions_of_the_same_work_give_one_run(pg: Database, tmp_path: Path) -> None:
    """The second planner blocks on the unique index until the first commits, then adopts
    the first one's run: the database decides, not a check-then-insert."""
    (video,) = make_videos(tmp_path, 1)
    catalog = AnalyzerCatalog(load_settings())
    request = AnalysisRequest(["scenes"], "fast", {})
    first_holds_its_transaction = threading.Event()
    release_first = threading.Event()
    results: dict[str, list] = {}

    def first() -> None:
        with pg.transaction() as session:
            results["first"] = _plan_in(session, catalog, str(video), request)
            first_holds_its_transaction.set()
            release_first.wait(10)

    holder = threading.Thread(target=first)
    holder.start()
    first_holds_its_transaction.wait(10)
    second = threading.Thread(
        target=lambda: results.setdefault(
            "second", plan_file(pg, catalog, str(video), request).planned
        )
    )
    second.start()
    time.sleep(1)
    assert second.is_alive(), "the second submission should wait for the first"
    release_first.set()
    holder.join(10)
    second.join(10)
    (first_plan,) = results["first"]
    (second_plan,) = results["second"]
    assert first_plan.run.run_id == second_plan.run.run_id
    with pg.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 1


def _plan_in(
    session: Session, catalog: AnalyzerCatalog, path: str, request: AnalysisRequest
) -> list[PlannedRun]:
    video = register_video(session, path).video
    return plan_runs(session, catalog, video, request.analyzers, request.profile, {})


def test_cancel_stops_a_running_run_and_keeps_no_artifacts(
    eioku: Eioku, pg: Database, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    (video,) = make_videos(tmp_path, 1)
    worker = start_worker(workers, env, tmp_path, "scripted")
    slow = ["-a", "scripted", "-s", "scripted.scenes=40", "-s", "scripted.step_s=0.25"]
    run_id = submitted_run_id(eioku("submit", str(video), *slow, "--json").json())
    wait_until(lambda: run_row(pg, run_id).progress > 0, 30, "the run to make progress")
    cancelled = eioku("cancel", run_id)
    assert cancelled.code == 0, cancelled.stderr
    began = time.monotonic()
    wait_until(lambda: "'status': 'cancelled'" in worker.output(), 10, "the task to stop")
    assert time.monotonic() - began < 5  # it stopped at a checkpoint, not after 10 s of work
    run = run_row(pg, run_id)
    assert (run.status, run.artifact_count, artifact_rows(pg, run_id)) == ("cancelled", 0, 0)


def test_a_run_cancelled_while_queued_never_runs(
    eioku: Eioku, pg: Database, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    (video,) = make_videos(tmp_path, 1)
    run_id = submitted_run_id(eioku("submit", str(video), "-a", "scripted", "--json").json())
    assert eioku("cancel", run_id).code == 0
    worker = start_worker(workers, env, tmp_path, "scripted")
    wait_until(lambda: "received" in worker.output(), 20, "the task to be delivered or revoked")
    time.sleep(1)
    run = run_row(pg, run_id)
    assert (run.status, run.attempts, artifact_rows(pg, run_id)) == ("cancelled", 0, 0)
    assert eioku("cancel", run_id).code == 1  # a finished run cannot be cancelled again


def test_flower_lists_tasks_by_analyzer_and_video(
    eioku: Eioku, pg: Database, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    port = free_port()
    flower_env = {**os.environ, **env, "FLOWER_UNAUTHENTICATED_API": "true"}
    with (tmp_path / "flower.log").open("wb") as log:
        flower = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli.main", "flower", "--port", str(port)],
            env=flower_env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def tasks() -> dict:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/tasks", timeout=2) as reply:
                return json.loads(reply.read())

        def answers() -> bool:
            try:
                tasks()
            except OSError:
                return False
            return True

        wait_until(answers, 30, "Flower's API")
        start_worker(workers, env, tmp_path, "scripted")
        submitted = eioku("submit", str(make_videos(tmp_path, 1)[0]), "-a", "scripted", "--json")
        report = submitted.json()[0]
        wait_until(lambda: any(t.get("state") == "SUCCESS" for t in tasks().values()), 30, "Flower")
        (task,) = tasks().values()
        assert task["name"] == f"eioku.analyze.scripted[{report['video_id']}]"
        assert report["runs"][0]["run_id"] in task["args"]
    finally:
        flower.terminate()
        flower.wait(10)


def test_a_worker_process_loads_its_model_once_and_reuses_it(
    eioku: Eioku, pg: Database, env: dict[str, str], workers: list[Worker], tmp_path: Path
) -> None:
    worker = start_worker(workers, env, tmp_path, "scripted")
    videos = make_videos(tmp_path, 3)
    result = eioku("submit", *map(str, videos), "-a", "scripted", "--wait", "--json")
    assert result.code == 0, result.stderr
    assert worker.output().count("loaded model scripted-test-model") == 1
    assert worker.output().count("succeeded in") == 3
