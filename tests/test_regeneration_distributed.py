"""Regeneration with a broker: paused while no worker consumes the queue (the jobs stay
queued), then two videos regenerated in parallel by two worker processes."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from pipeline.db.engine import Database
from pipeline.db.models import Run
from tests.support.cli import Eioku
from tests.support.distributed import Worker, wait_until
from tests.test_distributed import (  # noqa: F401 (fixtures)
    eioku,
    env,
    make_videos,
    pg,
    start_worker,
    workers,
)

PAUSED = "Regeneration paused: no worker for eioku.analyze.scripted"


def regeneration_runs(db: Database) -> list[Run]:
    with db.sessions() as session:
        return list(session.scalars(select(Run).where(Run.reason.is_not(None))))


def test_paused_without_a_worker_then_two_videos_in_parallel(
    eioku: Eioku,  # noqa: F811
    pg: Database,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    workers: list[Worker],  # noqa: F811
    tmp_path: Path,
) -> None:
    videos = [str(path) for path in make_videos(tmp_path, 2)]
    assert eioku("analyze", *videos, "-a", "scripted").code == 0
    home = Path(env["EIOKU_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "profiles.toml").write_text("[profiles.fast.scripted]\nstep_s = 0.75\n")  # 3 s

    diff = eioku("cache", "diff")
    assert diff.stdout.count(PAUSED) == 2 and diff.stdout.count("Stale") == 2
    sent = eioku("regenerate", "--json")
    assert sent.code == 0 and PAUSED in sent.stderr
    assert [run["outcome"] for run in sent.json()] == ["queued", "queued"]
    assert {run.status for run in regeneration_runs(pg)} == {"queued"}  # waiting in the queue

    # Both boot at once: one after the other, the second could take longer to start
    # (seconds on a busy 2-core machine) than the first takes for its whole job.
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: start_worker(workers, env, tmp_path, "scripted"), range(2)))

    def finished() -> bool:
        return {run.status for run in regeneration_runs(pg)} == {"succeeded"}

    wait_until(finished, 60, "both regenerations")
    first, second = regeneration_runs(pg)
    assert first.worker != second.worker
    assert max(first.started_at, second.started_at) < min(first.finished_at, second.finished_at)
    after = eioku("cache", "diff")
    assert after.stdout.count("Current") == 2 and PAUSED not in after.stdout
