"""Thread budgets (workers.thread_budget): each worker process holds torch, OpenCV and the
OpenMP pools to its share of the cores, read back from the libraries in a real worker."""

import os
import re
from pathlib import Path

import pytest

from pipeline.db.engine import Database
from tests.distributed import REPO, RedisServer, Worker, wait_until
from workers.thread_budget import THREADS_ENV, thread_budget

BUDGET_LINE = re.compile(r"pid (\d+) thread budget: budget (\d+), torch (\d+), opencv (\d+)")


def test_a_share_of_the_cores_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert thread_budget(2, cores=8) == 4
    assert thread_budget(3, cores=8) == 2
    assert thread_budget(16, cores=8) == 1
    monkeypatch.setenv(THREADS_ENV, "3")
    assert thread_budget(2, cores=8) == 3
    monkeypatch.setenv(THREADS_ENV, "0")
    with pytest.raises(ValueError, match="EIOKU_THREADS=0 must be at least 1"):
        thread_budget(1)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("concurrency", "threads_setting", "expected", "via_eioku_cli"),
    [(2, None, max(1, len(os.sched_getaffinity(0)) // 2), False), (1, "3", 3, True)],
)
def test_each_worker_process_applies_its_budget(
    postgresql_database: Database,
    tmp_path: Path,
    concurrency: int,
    threads_setting: str | None,
    expected: int,
    via_eioku_cli: bool,
) -> None:
    broker = RedisServer(tmp_path)
    broker.start()
    env = {
        **{k: v for k, v in os.environ.items() if k != THREADS_ENV},
        "EIOKU_DATABASE_URL": postgresql_database.engine.url.render_as_string(hide_password=False),
        "EIOKU_BROKER_URL": broker.url,
        "EIOKU_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO),
    }
    if threads_setting is not None:
        env[THREADS_ENV] = threads_setting
    worker = Worker(
        env,
        ["eioku.analyze.scenes"],
        tmp_path / "worker.log",
        concurrency=concurrency,
        via_eioku_cli=via_eioku_cli,
    )
    try:
        wait_until(
            lambda: len(BUDGET_LINE.findall(worker.output())) == concurrency,
            60,
            "every pool process to log its thread budget",
        )
    finally:
        worker.stop()
        broker.stop()
    readings = BUDGET_LINE.findall(worker.output())
    assert len({pid for pid, *_ in readings}) == concurrency
    assert {reading[1:] for reading in readings} == {(str(expected),) * 3}
