"""Register a file and plan its runs: the first half of both `eioku analyze` (which then
executes the runs in-process) and `eioku submit` (which sends them to workers)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from pipeline.analysis.catalog import AnalyzerCatalog, UnknownAnalyzerError
from pipeline.analysis.contract import UnknownProfileError
from pipeline.canonical import non_finite_key
from pipeline.coordinator.registration import register_video
from pipeline.coordinator.reports import FileReport
from pipeline.coordinator.run_plans import PlannedRun, plan_runs
from pipeline.coordinator.timing import DEFAULT_TIMING, Timing
from pipeline.db.engine import Database
from pipeline.db.repositories.intents import IntentRepository
from pipeline.errors import EiokuError, ErrorKind
from pipeline.media.errors import MediaError
from pipeline.settings import PROFILE_ORDER_DEFAULT


class RequestedBy(StrEnum):
    """Who recorded an intent."""

    CLI = "cli"
    API = "api"


@dataclass(frozen=True)
class AnalysisRequest:
    analyzers: Sequence[str]
    profile: str
    overrides: Mapping[str, Mapping[str, Any]]
    force: bool = False
    resume: bool = False
    requested_by: RequestedBy = RequestedBy.CLI


class InvalidRequestError(EiokuError, ValueError):
    """The request cannot be planned for any file; ``field`` names what is wrong."""

    code = "invalid_parameter"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)


def check_request(catalog: AnalyzerCatalog, request: AnalysisRequest) -> None:
    """Analyzers, profile and every override must be valid before any file is touched."""
    unknown = sorted(set(request.overrides) - set(request.analyzers))
    if unknown:
        raise InvalidRequestError(
            "overrides", f"settings name analyzers that are not selected: {', '.join(unknown)}"
        )
    for name in request.analyzers:
        try:
            config = catalog.effective_config(
                name, request.profile, request.overrides.get(name, {})
            )
        except UnknownAnalyzerError as exc:
            raise InvalidRequestError("analyzers", str(exc)) from None
        except UnknownProfileError as exc:
            raise InvalidRequestError("profile", str(exc)) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            raise InvalidRequestError(
                f"overrides.{name}.{location}",
                f"{name}: invalid setting {location!r}: {first['msg']}",
            ) from None
        key = non_finite_key(config.model_dump())
        if key is not None:
            raise InvalidRequestError(
                f"overrides.{name}.{key}", f"{name}: invalid setting {key!r}: not a finite number"
            )


@dataclass
class PlannedFile:
    report: FileReport
    planned: list[PlannedRun] = field(default_factory=list)


def plan_file(
    db: Database,
    catalog: AnalyzerCatalog,
    path: str,
    request: AnalysisRequest,
    timing: Timing = DEFAULT_TIMING,
    profile_order: Sequence[str] = PROFILE_ORDER_DEFAULT,
) -> PlannedFile:
    """Register the file, add the request to its intent (memoized: an unchanged intent
    writes nothing) and plan its runs in one transaction; a file that is not a usable
    video gets its error in the report and nothing is written. Analyzers that use scenes
    are given those of the scenes run that exists now (``profile_order`` ranks profiles
    for the selection policy that picks it)."""
    report = FileReport(path=path)
    try:
        with db.transaction() as session:
            video = register_video(session, path).video
            IntentRepository(session).add(
                video.video_id, request.profile, request.analyzers, request.requested_by
            )
            planned = plan_runs(
                session,
                catalog,
                video,
                request.analyzers,
                request.profile,
                request.overrides,
                force=request.force,
                resume=request.resume,
                timing=timing,
                profile_order=profile_order,
            )
    except MediaError as exc:
        report.error_code, report.error_message = exc.code, exc.message
        return PlannedFile(report)
    report.video_id, report.duration_ms = video.video_id, video.duration_ms
    return PlannedFile(report, planned)
