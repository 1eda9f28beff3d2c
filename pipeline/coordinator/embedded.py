"""Embedded mode: register, plan and execute runs in this process, file after file.
A file that cannot be used is reported and the others go on."""

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.execution import execute_run
from pipeline.coordinator.progress import ProgressListener
from pipeline.coordinator.submission import (
    AnalysisRequest,
    FileReport,
    RunReport,
    plan_file,
    plan_label,
)
from pipeline.db.engine import Database
from pipeline.db.repositories import RunRepository


def analyze_file(
    db: Database,
    catalog: AnalyzerCatalog,
    path: str,
    request: AnalysisRequest,
    listener: ProgressListener | None = None,
) -> FileReport:
    planned_file = plan_file(db, catalog, path, request)
    report = planned_file.report
    for plan in planned_file.planned:
        if not plan.needs_execution:
            report.runs.append(RunReport.of(plan.run, plan_label(plan)))
            continue
        execute_run(db, catalog, plan.run.run_id, listener=listener)
        with db.sessions() as session:
            report.runs.append(RunReport.of(RunRepository(session).require(plan.run.run_id)))
    return report
