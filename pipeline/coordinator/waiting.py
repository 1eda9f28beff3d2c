"""Wait for runs to finish by watching the database (where workers record everything)."""

import time
from collections.abc import Callable, Sequence

from sqlalchemy import select

from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories.runs import FINISHED_STATUSES


def wait_for_runs(
    db: Database,
    run_ids: Sequence[str],
    *,
    on_update: Callable[[Run], None],
    poll_s: float = 0.5,
    timeout_s: float | None = None,
) -> list[Run]:
    """Poll until every run is finished (or the timeout passes); returns the runs as last
    seen, each also passed to ``on_update`` on every poll."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    latest: dict[str, Run] = {}
    pending = set(run_ids)
    while pending:
        with db.sessions() as session:
            for run in session.scalars(select(Run).where(Run.run_id.in_(pending))):
                latest[run.run_id] = run
                on_update(run)
                if RunStatus(run.status) in FINISHED_STATUSES:
                    pending.discard(run.run_id)
        if not pending or (deadline is not None and time.monotonic() > deadline):
            break
        time.sleep(poll_s)
    return [latest[run_id] for run_id in run_ids if run_id in latest]
