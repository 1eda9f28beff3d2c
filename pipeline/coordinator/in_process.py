"""The in-process executor, and embedded mode: register, plan and execute runs in this
process, file after file. A file that cannot be used is reported and the others go on.
When a request asks for scenes and for analyzers that use them, the scenes runs are
planned and executed first and the others planned afterwards, with those scenes
(docs/ARCHITECTURE.md, "Scene inputs"). A run that another live process is executing (a
concurrent `eioku analyze`, a worker) is waited for and its result reported; if that
process dies meanwhile, this one takes the run over."""

import time
from collections.abc import Sequence
from dataclasses import replace

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.execution import execute_run
from pipeline.coordinator.executors import Executor, carry_out
from pipeline.coordinator.planning import AnalysisRequest, plan_file
from pipeline.coordinator.progress import ProgressListener
from pipeline.coordinator.reports import FileReport, RunReport
from pipeline.coordinator.run_plans import PlannedRun
from pipeline.coordinator.scene_inputs import scenes_first
from pipeline.coordinator.timing import DEFAULT_TIMING, Timing
from pipeline.db.engine import Database
from pipeline.db.models import Run
from pipeline.db.repositories import RunRepository
from pipeline.db.repositories.runs import FINISHED_STATUSES
from pipeline.settings import PROFILE_ORDER_DEFAULT

WAIT_POLL_S = 0.5


def analyze_file(
    db: Database,
    catalog: AnalyzerCatalog,
    path: str,
    request: AnalysisRequest,
    listener: ProgressListener | None = None,
    timing: Timing = DEFAULT_TIMING,
    profile_order: Sequence[str] = PROFILE_ORDER_DEFAULT,
) -> FileReport:
    executor = in_process_executor(db, catalog, listener, timing)
    runs: list[RunReport] = []
    for analyzers in scenes_first(catalog, request.analyzers):
        stage = replace(request, analyzers=analyzers)
        planned_file = plan_file(db, catalog, path, stage, timing, profile_order)
        runs += carry_out(planned_file.planned, executor)
        planned_file.report.runs = runs
        if planned_file.report.error_code is not None:
            break
    return planned_file.report


def in_process_executor(
    db: Database, catalog: AnalyzerCatalog, listener: ProgressListener | None, timing: Timing
) -> Executor:
    """Carry out each planned run by executing it in this process (or awaiting its owner)."""

    def execute(plan: PlannedRun) -> RunReport:
        return RunReport.of(execute_or_await(db, catalog, plan.run.run_id, listener, timing))

    return execute


def execute_or_await(
    db: Database,
    catalog: AnalyzerCatalog,
    run_id: str,
    listener: ProgressListener | None,
    timing: Timing,
) -> Run:
    """Execute the run here until it has finished; while another live process holds it,
    show its progress instead (execute_run takes the run over once that owner is gone)."""
    while True:
        report = execute_run(db, catalog, run_id, listener=listener, timing=timing)
        if report.outcome in FINISHED_STATUSES:
            break
        if listener is not None:
            with db.sessions() as session:
                listener(run_id, RunRepository(session).require(run_id).progress)
        time.sleep(WAIT_POLL_S)
    with db.sessions() as session:
        return RunRepository(session).require(run_id)
