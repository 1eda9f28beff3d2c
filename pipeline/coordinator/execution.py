"""Execute one run: the task function that embedded mode calls in-process and that a
Celery worker calls for a queued task. Lifecycle (docs/ARCHITECTURE.md, "Runs"):

1. mark the run ``running`` in its own short commit;
2. analyze with no transaction open, reporting progress and a heartbeat;
3. write every artifact, its projections and the ``succeeded`` status in ONE transaction,
   replacing whatever a half-done earlier attempt of the same run left.

A run that already succeeded is left alone, so a redelivered task is a no-op. A run
still marked ``running`` is taken over (as a new attempt) when it is this same task coming
back (a retry, or a redelivery after its worker died), when its owner process on this host
is gone, or when its heartbeat is stale. The claim records this process as the owner.
Every write of an attempt is guarded by its attempt number, so a superseded attempt can
never overwrite the result of the one that replaced it.

Database errors are not the run's fault: they propagate (see faults.is_transient) so the
caller can retry the task; the run stays ``running`` and the retry takes it over.
"""

import logging
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import (
    AnalysisInputError,
    AnalyzerOutput,
    ArtifactOutput,
    MediaSource,
    RunCancelledError,
)
from pipeline.analysis.segments import SegmentedAnalyzer
from pipeline.analysis.vocabulary import Vocabulary
from pipeline.coordinator.envelopes import envelope_for
from pipeline.coordinator.faults import is_transient
from pipeline.coordinator.heartbeat import RunHeartbeat
from pipeline.coordinator.input_guard import CHANGED_INPUT_CODES, InputGuard
from pipeline.coordinator.owner import ProcessOwner, is_abandoned
from pipeline.coordinator.progress import ProgressListener, RunProgressReporter
from pipeline.coordinator.reports import RunReport
from pipeline.coordinator.scene_inputs import SceneInputs
from pipeline.coordinator.segmented import Dispatch, SegmentWork, run_is_running, windows_for
from pipeline.coordinator.timing import DEFAULT_TIMING, Timing
from pipeline.db.engine import Database
from pipeline.db.models import (
    HistoryAction,
    HistoryStatus,
    RegenerationReason,
    Run,
    RunStatus,
    Video,
)
from pipeline.db.repositories import (
    ArtifactBatchError,
    ArtifactRepository,
    HistoryRepository,
    RunRepository,
    SegmentRepository,
    StaleRunStateError,
)
from pipeline.media.errors import MediaError
from schemas import ArtifactEnvelope

log = logging.getLogger(__name__)


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class TerminationRequested(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the run in progress ends ``cancelled``
    exactly as after Ctrl-C."""


def execute_run(
    db: Database,
    catalog: AnalyzerCatalog,
    run_id: str,
    *,
    worker: str | None = None,
    task_id: str | None = None,
    listener: ProgressListener | None = None,
    timing: Timing = DEFAULT_TIMING,
    dispatch: Dispatch | None = None,
) -> RunReport:
    """``dispatch``: how a worker asks for helpers on a segmented run (absent embedded)."""
    claimed = _claim(db, run_id, worker or default_worker_name(), task_id, timing.stale_after_s)
    if isinstance(claimed, RunReport):
        return claimed
    run, video = claimed
    retention = catalog.settings.history_retention
    began = time.monotonic()
    try:
        with RunHeartbeat(db, run_id, run.attempts, timing.heartbeat_interval_s) as heartbeat:
            collected = _analyze(db, catalog, run, video, listener, timing, heartbeat, dispatch)
    except RunCancelledError:
        return _outcome(db, run_id)
    except (AnalysisInputError, MediaError) as exc:
        skip = isinstance(exc, AnalysisInputError) and exc.skip
        status = RunStatus.SKIPPED if skip else RunStatus.FAILED
        return _finish_without_artifacts(db, retention, run, status, exc.code, exc.message, began)
    except KeyboardInterrupt as exc:
        how = "terminated (SIGTERM)" if isinstance(exc, TerminationRequested) else "interrupted"
        _finish_without_artifacts(
            db, retention, run, RunStatus.CANCELLED, "interrupted", how, began
        )
        raise
    except Exception as exc:
        if is_transient(exc):
            raise
        log.exception("run %s: analyzer %s crashed", run_id, run.analyzer)
        message = f"{type(exc).__name__}: {exc}"
        return _finish_without_artifacts(
            db, retention, run, RunStatus.FAILED, "analyzer_error", message, began
        )
    try:
        return _commit_artifacts(db, catalog.vocabulary(), retention, run, collected, began)
    except ArtifactBatchError as exc:  # the transaction rolled back: nothing was written
        log.error("run %s: analyzer %s produced an invalid artifact: %s", run_id, run.analyzer, exc)
        return _finish_without_artifacts(
            db, retention, run, RunStatus.FAILED, "invalid_output", str(exc), began
        )


def _claim(
    db: Database, run_id: str, worker: str, task_id: str | None, stale_after_s: float
) -> tuple[Run, Video] | RunReport:
    with db.transaction() as session:
        runs = RunRepository(session)
        run = runs.require(run_id)
        try:
            if run.status == RunStatus.RUNNING and _may_take_over(run, task_id, stale_after_s):
                runs.transition(run, RunStatus.QUEUED)
            if run.status != RunStatus.QUEUED:
                return RunReport.of(run)  # succeeded (redelivery), cancelled, or busy elsewhere
            owner = ProcessOwner.current().as_columns()
            # in-process execution (task_id None) has no task: a stale one must not come back
            runs.transition(run, RunStatus.RUNNING, worker=worker, task_id=task_id, **owner)
        except StaleRunStateError:
            return RunReport.of(run)  # another process claimed or changed it first
        video = session.get_one(Video, run.video_id)
    return run, video


def _may_take_over(run: Run, task_id: str | None, stale_after_s: float) -> bool:
    if task_id is not None and run.task_id == task_id:
        return True  # this very task again: retried, or redelivered after its worker died
    return is_abandoned(run, stale_after_s)


@dataclass
class CollectedArtifacts:
    envelopes: list[ArtifactEnvelope]
    embeddings: dict[str, tuple[float, ...]]


def collect_outputs(
    run: Run, video: Video, outputs: Iterable[AnalyzerOutput]
) -> CollectedArtifacts:
    collected = CollectedArtifacts([], {})
    for output in outputs:
        if isinstance(output, ArtifactOutput):
            envelope = envelope_for(run, video, output.payload)
            if output.embedding is not None:
                collected.embeddings[envelope.artifact_id] = output.embedding
        else:
            envelope = envelope_for(run, video, output)
        collected.envelopes.append(envelope)
    return collected


def _analyze(
    db: Database,
    catalog: AnalyzerCatalog,
    run: Run,
    video: Video,
    listener: ProgressListener | None,
    timing: Timing,
    heartbeat: RunHeartbeat,
    dispatch: Dispatch | None,
) -> CollectedArtifacts:
    guard = InputGuard.at_start(video)
    analyzer = catalog.get(run.analyzer)
    config = catalog.effective_config(run.analyzer, run.profile, run.config)
    source = media_source(video)
    reporter = RunProgressReporter(
        db,
        run.run_id,
        run.attempts,
        min_interval_s=timing.progress_interval_s,
        listener=listener,
        lost=heartbeat.lost,
    )
    try:
        if isinstance(analyzer, SegmentedAnalyzer):
            work = SegmentWork(
                db, run.run_id, analyzer, config, source, worker=run.worker or "", timing=timing
            )
            windows = windows_for(
                source, catalog.settings.segment_s, lambda: _scene_cuts(db, catalog, run)
            )
            observations = work.own(windows, reporter, dispatch)
            outputs = analyzer.assemble(source, config, observations)
        else:
            outputs = analyzer.analyze(source, config, reporter)
        collected = collect_outputs(run, video, outputs)
    except RunCancelledError:
        raise
    except Exception as exc:
        if not is_transient(exc):
            guard.verify()  # a file changed under the analyzer is the reason, not its error
        raise
    guard.verify()
    return collected


def _scene_cuts(db: Database, catalog: AnalyzerCatalog, run: Run) -> list[int]:
    """Where the video's selected scenes run found cuts (none without one)."""
    with db.sessions() as session:
        scenes = SceneInputs(session, catalog, run.video_id, catalog.settings.profile_order)
        return [start_ms for start_ms, _ in scenes.spans if start_ms > 0]


def help_run(
    db: Database, catalog: AnalyzerCatalog, run_id: str, *, worker: str, timing: Timing
) -> int:
    """A helper task: observe free windows of a running segmented run (see
    coordinator/segmented.py). Returns how many windows this process finished; failures
    are left to the run's owner, which meets them again on the same window."""
    with db.sessions() as session:
        run = RunRepository(session).get(run_id)
        if run is None or run.status != RunStatus.RUNNING:
            return 0
        video = session.get_one(Video, run.video_id)
        session.expunge_all()
    analyzer = catalog.get(run.analyzer)
    if not isinstance(analyzer, SegmentedAnalyzer):
        return 0
    try:
        InputGuard.at_start(video)
        config = catalog.effective_config(run.analyzer, run.profile, run.config)
        work = SegmentWork(
            db, run_id, analyzer, config, media_source(video), worker=worker, timing=timing
        )
        return work.help(run_is_running(db, run_id))
    except RunCancelledError:
        return 0
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("run %s: helper %s stopped: %s", run_id, worker, exc)
        return 0


def media_source(video: Video) -> MediaSource:
    """What an analyzer is told about the video it works on."""
    return MediaSource(
        video_id=video.video_id,
        path=video.path,
        duration_ms=video.duration_ms,
        fps=video.fps,
        width=video.width,
        height=video.height,
        frame_count=video.frame_count,
        has_audio=video.audio_codec is not None,
    )


def _current_attempt(runs: RunRepository, claimed: Run) -> Run | None:
    """The run, if this attempt still owns it (not cancelled, not taken over)."""
    run = runs.require(claimed.run_id)
    owned = run.status == RunStatus.RUNNING and run.attempts == claimed.attempts
    return run if owned else None


def _commit_artifacts(
    db: Database,
    vocabulary: Vocabulary,
    retention: int,
    claimed: Run,
    collected: CollectedArtifacts,
    began: float,
) -> RunReport:
    with db.transaction() as session:
        runs = RunRepository(session)
        run = _current_attempt(runs, claimed)
        if run is None:
            return RunReport.of(runs.require(claimed.run_id))
        artifacts = ArtifactRepository(session, vocabulary=vocabulary)
        artifacts.delete_by_run(run.run_id)
        count = artifacts.batch_create(collected.envelopes, collected.embeddings)
        SegmentRepository(session).discard(run.run_id)
        action = _history_action(runs, run)
        runs.transition(run, RunStatus.SUCCEEDED, artifact_count=count, progress=1.0)
        _record_history(session, retention, run, action, began, f"{count} artifacts")
    return RunReport.of(run)


def _finish_without_artifacts(
    db: Database,
    retention: int,
    claimed: Run,
    status: RunStatus,
    code: str,
    message: str,
    began: float,
) -> RunReport:
    with db.transaction() as session:
        runs = RunRepository(session)
        run = _current_attempt(runs, claimed)
        if run is None:
            return RunReport.of(runs.require(claimed.run_id))
        action = _history_action(runs, run)
        if code in CHANGED_INPUT_CODES:  # windows observed from other bytes are worthless
            SegmentRepository(session).discard(run.run_id)
        runs.transition(run, status, error_code=code, error_message=message)
        _record_history(session, retention, run, action, began, message)
    return RunReport.of(run)


def _outcome(db: Database, run_id: str) -> RunReport:
    with db.sessions() as session:
        return RunReport.of(RunRepository(session).require(run_id))


def _history_action(
    runs: RunRepository, run: Run
) -> tuple[HistoryAction, RegenerationReason | None]:
    """A run `eioku regenerate` enqueued carries its reason; a run whose result was
    already known (another succeeded run with the same cache key) was forced by someone:
    both are manual regenerations."""
    if run.reason is not None:
        return HistoryAction.MANUAL_REGENERATE, RegenerationReason(run.reason)
    earlier = runs.latest_with_key(run.cache_key, [RunStatus.SUCCEEDED])
    if earlier is not None and earlier.run_id != run.run_id:
        return HistoryAction.MANUAL_REGENERATE, RegenerationReason.MANUAL
    return HistoryAction.AUTO_REGENERATE, None


def _record_history(
    session: Session,
    retention: int,
    run: Run,
    action: tuple[HistoryAction, RegenerationReason | None],
    began: float,
    detail: str,
) -> None:
    succeeded = run.status in (RunStatus.SUCCEEDED, RunStatus.SKIPPED)
    HistoryRepository(session, retention).record(
        video_id=run.video_id,
        descriptors=[run.analyzer],
        profile=run.profile,
        action=action[0],
        reason=action[1],
        status=HistoryStatus.SUCCESS if succeeded else HistoryStatus.FAILURE,
        run_id=run.run_id,
        duration_ms=round((time.monotonic() - began) * 1000),
        detail=detail,
    )
