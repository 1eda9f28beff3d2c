"""What the command modules that use the database share: the selection policies, the
declared jump kinds and text sources, and validation of an analysis request."""

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.declarations import Produces
from pipeline.analysis.vocabulary import UnknownKindError
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, fail
from pipeline.cli.options import parse_overrides, split_names
from pipeline.coordinator.current_revisions import video_revisions
from pipeline.coordinator.planning import AnalysisRequest, check_request
from pipeline.db.models import Video
from pipeline.db.repositories import RunRepository, SelectionPolicyManager
from pipeline.query.kinds import ALL_SOURCES


def policy_manager(
    catalog: AnalyzerCatalog, session: Session, video_id: str
) -> SelectionPolicyManager:
    """The selection policies of the video's artifacts, which prefer runs at their
    profile's current revision."""
    return SelectionPolicyManager(
        session,
        profile_order=catalog.settings.profile_order,
        current_revisions=video_revisions(session, catalog, video_id),
    )


def declared_kind(catalog: AnalyzerCatalog, kind: str) -> Produces:
    """The declaration behind a jump kind, or a usage error naming the known ones."""
    try:
        return catalog.vocabulary().kind(kind)
    except UnknownKindError as exc:
        raise fail(f"--kind: {exc}") from None


def text_sources(catalog: AnalyzerCatalog, source: str) -> list[Produces]:
    """The kinds whose text `find` searches: one, or every one for ``all``."""
    vocabulary = catalog.vocabulary()
    if source == ALL_SOURCES:
        return [vocabulary.kind(name) for name in vocabulary.text_kinds]
    try:
        return [vocabulary.text_kind(source)]
    except UnknownKindError as exc:
        raise fail(f"--source: {exc}") from None


def require_run_of_video(session: Session, video: Video, run_id: str) -> None:
    run = RunRepository(session).get(run_id)
    if run is None or run.video_id != video.video_id:
        raise fail(
            f"no run {run_id!r} of video {video.video_id}; "
            f"`eioku runs --video {video.video_id}` lists them",
            EXIT_FAILED,
        )


def analysis_request(
    catalog: AnalyzerCatalog,
    analyzers: str,
    profile: str | None,
    overrides: list[str] | None,
    *,
    force: bool,
    resume: bool,
) -> AnalysisRequest:
    """The request, checked before any file is touched: analyzers, profile and every
    override must be valid for all the files alike (InvalidRequestError otherwise).
    Without a profile, the configured default profile is used."""
    request = AnalysisRequest(
        analyzers=split_names(analyzers),
        profile=current_settings().default_profile if profile is None else profile,
        overrides=parse_overrides(overrides or []),
        force=force,
        resume=resume,
    )
    check_request(catalog, request)
    return request
