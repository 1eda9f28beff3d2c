"""`eioku analyze` (in this process) and `eioku submit` (to workers through the broker).

A plain `eioku analyze` of files it has already answered is answered from its stamps,
before anything heavy is imported (docs/ARCHITECTURE.md, "Analyze stamps")."""

from typing import Annotated

import typer

from pipeline.cli.analysis_output import finish, show_report
from pipeline.cli.context import current_settings
from pipeline.cli.flags import (
    AnalyzersOption,
    ForceOption,
    JsonFlag,
    ProfileOption,
    ResumeOption,
    SetOption,
)
from pipeline.stamps.inputs import TypedRequest
from pipeline.stamps.lookup import stamped_reports

PathsArgument = Annotated[list[str], typer.Argument(help="Video files.")]


def analyze(
    paths: PathsArgument,
    analyzers: AnalyzersOption = "scenes",
    profile: ProfileOption = None,
    force: ForceOption = False,
    resume: ResumeOption = False,
    settings_overrides: SetOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Analyze video files in this process (embedded mode), reusing cached results."""
    settings = current_settings()
    typed = TypedRequest(analyzers, profile, tuple(settings_overrides or ()))
    answered = None if force or resume else stamped_reports(settings, typed, paths)
    if answered is not None:
        for report in answered:
            show_report(report, as_json)
        finish(answered, as_json)
        return
    from pipeline.cli.analysis_runs import analyze_in_process

    analyze_in_process(settings, paths, typed, force=force, resume=resume, as_json=as_json)


def submit(
    paths: PathsArgument,
    analyzers: AnalyzersOption = "scenes",
    profile: ProfileOption = None,
    force: ForceOption = False,
    resume: ResumeOption = False,
    settings_overrides: SetOption = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Show progress until every run has finished.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Plan runs and send them to the workers' queues; cached runs are not sent."""
    from pipeline.cli.analysis_runs import submit_to_workers

    typed = TypedRequest(analyzers, profile, tuple(settings_overrides or ()))
    submit_to_workers(
        current_settings(), paths, typed, force=force, resume=resume, wait=wait, as_json=as_json
    )
