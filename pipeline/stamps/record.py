"""Write the stamp of a plain `eioku analyze` of one file, once the planner has answered
it. SQLite only: the epoch that tells a stamp is current is kept by triggers of the
embedded database's schema (docs/ARCHITECTURE.md, "Analyze stamps")."""

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.consulted import recording_consulted
from pipeline.coordinator.cached_plan import cached_report
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.db.engine import Database
from pipeline.db.migrate import head_revision
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import stat_media_file
from pipeline.settings import Settings
from pipeline.stamps.inputs import TypedRequest, stamp_key

log = logging.getLogger(__name__)

EPOCH_QUERY = text("SELECT value FROM plan_epoch")
UPSERT = text(
    "INSERT INTO analysis_stamps (stamp_key, epoch, revision, report, consulted) "
    "VALUES (:key, :epoch, :revision, :report, :consulted) "
    "ON CONFLICT (stamp_key) DO UPDATE SET epoch = excluded.epoch, "
    "revision = excluded.revision, report = excluded.report, consulted = excluded.consulted"
)
# a stamp of an earlier epoch can never count again
PRUNE = text("DELETE FROM analysis_stamps WHERE epoch < :epoch")


def record_stamp(
    db: Database,
    catalog: AnalyzerCatalog,
    settings: Settings,
    request: AnalysisRequest,
    typed: TypedRequest,
    path: str,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Stamp the answer a plain re-run of ``typed`` on ``path`` would give now, when that
    answer is "every run cached" and nothing changed while it was worked out. A stamp is
    a shortcut: when one cannot be written, the analysis it follows has still succeeded."""
    if db.dialect != "sqlite" or not settings.analyze_stamps or settings.analyzer_plugins:
        return False
    if request.force or request.resume:
        return False
    try:
        stat = stat_media_file(path)
        key = stamp_key(settings, typed, path, stat, environ)
        with db.sessions() as session:
            epoch = _epoch(session)
            with recording_consulted() as consulted:
                report = cached_report(
                    session, catalog, path, stat, request, settings.profile_order
                )
        if report is None:
            return False
        with db.transaction() as session:
            if _epoch(session) != epoch:
                return False  # something changed while the answer was worked out
            values = {
                "key": key,
                "epoch": epoch,
                "revision": head_revision(),
                "report": json.dumps(asdict(report)),
                "consulted": json.dumps(consulted),
            }
            session.execute(UPSERT, values)
            session.execute(PRUNE, {"epoch": epoch})
    except (SQLAlchemyError, MediaError, OSError, ValueError) as exc:
        log.warning("no stamp for %s: %s", path, exc)
        return False
    return True


def _epoch(session: Session) -> int:
    return int(session.execute(EPOCH_QUERY).scalar_one())
