"""Thread budgets (workers.thread_budget): each worker process holds torch, OpenCV and the
OpenMP pools to its share of the cores, read back from the libraries in a real worker, and
runs on its own share of the cores, read back from the kernel."""

import os
import re
from pathlib import Path

import pytest

from pipeline.db.engine import Database
from pipeline.settings import SettingsError, load_settings
from tests.support.distributed import REPO, RedisServer, Worker, wait_until
from workers.thread_budget import core_share, thread_budget

THREADS_ENV, PIN_CORES_ENV = "EIOKU_THREADS", "EIOKU_PIN_CORES"

BUDGET_LINE = re.compile(r"pid (\d+) thread budget: budget (\d+), torch (\d+), opencv (\d+)")
CORES = sorted(os.sched_getaffinity(0))


def test_a_share_of_the_cores_unless_set() -> None:
    unset = load_settings({}).threads
    assert thread_budget(2, unset, cores=8) == 4
    assert thread_budget(3, unset, cores=8) == 2
    assert thread_budget(16, unset, cores=8) == 1
    assert thread_budget(2, load_settings({THREADS_ENV: "3"}).threads, cores=8) == 3
    with pytest.raises(SettingsError, match="EIOKU_THREADS='0' is not a positive"):
        load_settings({THREADS_ENV: "0"})


def test_each_pool_process_gets_its_own_share_of_the_cores() -> None:
    eight = list(range(8))
    assert [core_share(index, 2, eight) for index in (0, 1)] == [{0, 1, 2, 3}, {4, 5, 6, 7}]
    assert [core_share(index, 3, eight) for index in (0, 1, 2)] == [{0, 1}, {2, 3}, {4, 5}]
    assert core_share(0, 1, [2, 5]) == {2, 5}  # a pinned worker shares out its own cores
    assert core_share(2, 2, eight) == {0, 1, 2, 3}  # a replaced process reuses its index
    assert core_share(0, 9, eight) is None  # more processes than cores: all keep every core


@pytest.mark.parametrize(
    ("concurrency", "settings", "expected", "via_eioku_cli"),
    [
        (2, {}, max(1, len(CORES) // 2), False),
        (2, {PIN_CORES_ENV: "off"}, max(1, len(CORES) // 2), False),
        (1, {THREADS_ENV: "3"}, 3, True),
    ],
)
def test_each_worker_process_applies_its_budget(
    postgresql_database: Database,
    broker: RedisServer,
    tmp_path: Path,
    concurrency: int,
    settings: dict[str, str],
    expected: int,
    via_eioku_cli: bool,
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in (THREADS_ENV, PIN_CORES_ENV)},
        "EIOKU_DATABASE_URL": postgresql_database.engine.url.render_as_string(hide_password=False),
        "EIOKU_BROKER_URL": broker.url,
        "EIOKU_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO),
        **settings,
    }
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
        readings = BUDGET_LINE.findall(worker.output())
        cores = [frozenset(os.sched_getaffinity(int(pid))) for pid, *_ in readings]
    finally:
        worker.stop()
    assert len({pid for pid, *_ in readings}) == concurrency
    assert {reading[1:] for reading in readings} == {(str(expected),) * 3}
    if PIN_CORES_ENV in settings or len(CORES) < concurrency:
        assert set(cores) == {frozenset(CORES)}
    else:  # disjoint shares, together every core a share can hold
        share = len(CORES) // concurrency
        assert all(len(process_cores) == share for process_cores in cores)
        assert len(frozenset().union(*cores)) == share * concurrency
