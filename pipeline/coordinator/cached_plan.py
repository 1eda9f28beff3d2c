"""The answer of a plain re-run, worked out without writing: what `plan_file` would
report for a file when its plan would find every run cached and write nothing (but the
time it saw the path). That answer is what an analyze stamp stores."""

from collections.abc import Sequence
from itertools import chain

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.coordinator.reports import FileReport, Outcome, RunReport
from pipeline.coordinator.run_plans import run_spec, succeeded_run
from pipeline.coordinator.scene_inputs import SceneInputs, scenes_first
from pipeline.db.repositories import RunRepository, VideoRepository
from pipeline.db.repositories.intents import IntentRepository
from pipeline.media.fingerprint import FileStat


def cached_report(
    session: Session,
    catalog: AnalyzerCatalog,
    path: str,
    stat: FileStat,
    request: AnalysisRequest,
    profile_order: Sequence[str],
) -> FileReport | None:
    """None whenever the planner would do more than read: hash the file again, move the
    video to this path, add to the intent, or plan any run that is not cached. The runs
    are listed in the order embedded execution plans them (scenes first)."""
    videos = VideoRepository(session)
    entry = videos.file_entry(stat.path)
    if entry is None or (entry.size_bytes, entry.mtime_ns) != (stat.size_bytes, stat.mtime_ns):
        return None
    video = videos.by_content_hash(entry.content_hash)
    if video is None or entry.video_id != video.video_id:
        return None
    if (video.path, video.size_bytes, video.mtime_ns) != (
        stat.path,
        stat.size_bytes,
        stat.mtime_ns,
    ):
        return None
    if not IntentRepository(session).includes(video.video_id, request.profile, request.analyzers):
        return None
    scenes = SceneInputs(session, catalog, video.video_id, profile_order)
    runs = RunRepository(session)
    reports = []
    for name in chain.from_iterable(scenes_first(catalog, request.analyzers)):
        overrides = request.overrides.get(name, {})
        spec = run_spec(catalog, video, name, request.profile, overrides, scenes)
        done = succeeded_run(runs, spec)
        if done is None:
            return None
        reports.append(RunReport.of(done, Outcome.CACHED))
    return FileReport(path, video.video_id, video.duration_ms, runs=reports)
