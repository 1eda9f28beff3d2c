"""Planning decides what to do with each run; an executor does it. The one loop over
planned runs that embedded analysis, `eioku submit`, `eioku regenerate` and
POST /v1/videos share (``carry_out``): a cached run is reported as such; every other run
goes to the executor — in this process (``coordinator.in_process``), to the workers'
queues (``queue_executor``), or left as planned for later in this process (``as_planned``)
— and a broker that stays unreachable leaves the run queued and reported ``not_sent``.

Nothing here imports the task queue's libraries: embedded analysis never loads them."""

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipeline.coordinator.faults import broker_unreachable
from pipeline.coordinator.reports import Outcome, RunReport
from pipeline.coordinator.run_plans import PlannedRun

if TYPE_CHECKING:
    from pipeline.coordinator.task_sender import TaskSender

log = logging.getLogger(__name__)

Executor = Callable[[PlannedRun], RunReport]
"""Carries out one planned run that is not cached; what became of it."""


def carry_out(planned: Sequence[PlannedRun], executor: Executor) -> list[RunReport]:
    reports = []
    for plan in planned:
        if plan.outcome is Outcome.CACHED:
            reports.append(RunReport.of(plan.run, Outcome.CACHED))
            continue
        try:
            reports.append(executor(plan))
        except Exception as exc:
            if not broker_unreachable(exc):
                raise
            log.warning("run %s left queued, broker unreachable: %s", plan.run.run_id, exc)
            message = f"broker unreachable, run left queued; submit again to send it: {exc}"
            reports.append(RunReport.of(plan.run, Outcome.NOT_SENT).with_error("broker", message))
    return reports


def as_planned(plan: PlannedRun) -> RunReport:
    """The run as planned, for an execution that happens later."""
    return RunReport.of(plan.run, plan.outcome)


def queue_executor(sender: "TaskSender") -> Executor:
    """Send each run that needs executing to its analyzer's queue; a run already active
    elsewhere is left to whoever has it."""

    def send(plan: PlannedRun) -> RunReport:
        if not plan.needs_execution:
            return as_planned(plan)
        sender.send(plan.run)
        return RunReport.of(plan.run, Outcome.QUEUED)

    return send
