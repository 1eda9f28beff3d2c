"""The one loop over planned runs that embedded analysis, `eioku submit` and
POST /v1/videos share: a cached run is reported as such; every other run is delivered
(executed here, sent to the workers, or scheduled for later in this process), and a broker
that stays unreachable leaves the run queued and reported ``not_sent``."""

import logging
from collections.abc import Callable, Sequence

from kombu.exceptions import OperationalError as BrokerUnreachableError

from pipeline.coordinator.dispatch import Dispatcher
from pipeline.coordinator.planner import PlanAction, PlannedRun
from pipeline.coordinator.reports import Outcome, RunReport

log = logging.getLogger(__name__)

Deliver = Callable[[PlannedRun], RunReport]


def carry_out(planned: Sequence[PlannedRun], deliver: Deliver) -> list[RunReport]:
    reports = []
    for plan in planned:
        if plan.action is PlanAction.CACHED:
            reports.append(RunReport.of(plan.run, Outcome.CACHED))
            continue
        try:
            reports.append(deliver(plan))
        except BrokerUnreachableError as exc:
            log.warning("run %s left queued, broker unreachable: %s", plan.run.run_id, exc)
            message = f"broker unreachable, run left queued; submit again to send it: {exc}"
            reports.append(RunReport.of(plan.run, Outcome.NOT_SENT).with_error("broker", message))
    return reports


def planned_outcome(plan: PlannedRun) -> RunReport:
    """The run as planned, for a delivery that happens later."""
    return RunReport.of(plan.run, Outcome(plan.action.value))


def send_to_workers(dispatcher: Dispatcher) -> Deliver:
    """Send each run that needs executing to its analyzer's queue; a run already active
    elsewhere is left to whoever has it."""

    def send(plan: PlannedRun) -> RunReport:
        if not plan.needs_execution:
            return planned_outcome(plan)
        dispatcher.send(plan.run)
        return RunReport.of(plan.run, Outcome.QUEUED)

    return send
