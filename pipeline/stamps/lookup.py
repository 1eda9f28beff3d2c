"""Answer a plain `eioku analyze` from its stamps: one read-only query per file through
the standard library's sqlite3, and no planner, ORM or model code. Any doubt is a miss,
and a miss is answered by the planner as if there were no stamps."""

import json
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

from pipeline.analysis.consulted import all_unchanged
from pipeline.coordinator.reports import FileReport
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import stat_media_file
from pipeline.settings import Settings
from pipeline.stamps.inputs import TypedRequest, stamp_key

SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
# a stamp counts while nothing the planner reads has changed since it was written (the
# epoch) and the schema is the one it was written with
STAMP_QUERY = """
SELECT stamp.report, stamp.consulted
FROM analysis_stamps AS stamp
JOIN plan_epoch AS epoch ON epoch.value = stamp.epoch
JOIN alembic_version AS schema ON schema.version_num = stamp.revision
WHERE stamp.stamp_key = ?
"""


def stamped_reports(
    settings: Settings,
    request: TypedRequest,
    paths: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> list[FileReport] | None:
    """The reports of every file from its stamp; None unless each of them has one."""
    if not settings.analyze_stamps or settings.analyzer_plugins:
        return None  # a plugin's code is not in the stamp key
    database = sqlite_file(settings.database_url)
    if database is None or not database.is_file():
        return None
    try:
        keys = [
            stamp_key(settings, request, path, stat_media_file(path), environ) for path in paths
        ]
        with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
            rows = [connection.execute(STAMP_QUERY, (key,)).fetchone() for key in keys]
    except (MediaError, sqlite3.Error):
        return None
    if any(row is None for row in rows):
        return None
    try:
        if not all(all_unchanged(json.loads(consulted)) for _, consulted in rows):
            return None
        return [FileReport.from_dict(json.loads(report)) for report, _ in rows]
    except (ValueError, TypeError, KeyError, AttributeError):  # damaged by hand: no stamp
        return None


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (``sqlite:///relative.db``, ``sqlite:////absolute.db``);
    None for any other database, an in-memory one, or a URL with options or escapes."""
    scheme, separator, rest = url.partition(":///")
    if scheme not in SQLITE_SCHEMES or not separator or not rest:
        return None
    if any(char in rest for char in "?%#") or rest == ":memory:":
        return None
    return Path(rest).resolve()
