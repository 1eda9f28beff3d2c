"""The cache diff of a large library, set-based vs video by video, and what recording
intents adds to `eioku analyze` of a cached video.

    .venv/bin/python -m bench.cache_diff [--videos 10000] [--database-url URL | --postgres]

1. Fills a database with N videos x 7 descriptors (succeeded runs, one intent per video;
   every 7th descriptor stale, every 11th video with one missing and one extraneous),
   then times `cache_diff` over all videos at once against one `cache_diff` per video.
2. Analyzes a small video, then times the cached re-analysis (`analyze_file`) with and
   without the intent step, alternating, and prints the overhead, also as a share of
   the whole `eioku analyze` command on that cached video.
Default database: a fresh SQLite file in a temporary folder.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from unittest import mock

from sqlalchemy import insert

from bench.support import temporary_database
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import ModelIdentity
from pipeline.coordinator.cache_diff import DescriptorStatus, Revisions, cache_diff
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.coordinator.reports import Outcome
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.db.models import Intent, Run, Video
from pipeline.db.repositories.cache import CacheRepository
from pipeline.db.repositories.intents import IntentRepository, intent_hash
from pipeline.db.types import utcnow
from pipeline.settings import Settings, load_settings
from support.analyzers import ScriptedAnalyzer, ScriptedConfig
from support.synthetic import alternating_shots, write_video

DESCRIPTORS = [f"d{index}" for index in range(7)]
PROFILE = "fast"
CACHED_RUNS = 41
COMMAND_RUNS = 5


class BenchAnalyzer(ScriptedAnalyzer):
    def __init__(self, name: str, settings: Settings) -> None:
        super().__init__(settings)
        self.name = name  # type: ignore[misc]

    def model_identity(self, config: ScriptedConfig) -> ModelIdentity:
        return ModelIdentity(f"{self.name}-model", "ab" * 32)


def bench_catalog() -> AnalyzerCatalog:
    settings = load_settings()
    catalog = AnalyzerCatalog(settings)
    for name in [*DESCRIPTORS, "scripted"]:
        catalog.register(BenchAnalyzer(name, settings))
    return catalog


def fill(db: Database, catalog: AnalyzerCatalog, videos: int) -> None:
    revisions = Revisions(catalog)
    now = utcnow()
    video_rows, run_rows, intent_rows = [], [], []
    for index in range(videos):
        video_id = f"{index:016x}"
        video_rows.append(
            {
                "video_id": video_id, "content_hash": f"{index:064x}", "path": f"/v/{index}.mp4",
                "size_bytes": 1, "mtime_ns": 1, "duration_ms": 1000, "fps": 25.0, "width": 64,
                "height": 48, "frame_count": 25, "container": "mp4", "video_codec": "h264",
                "audio_codec": None, "created_at": now,
            }
        )  # fmt: skip
        requested = list(DESCRIPTORS)
        cached = list(DESCRIPTORS)
        if index % 11 == 0:  # one never computed, one no longer requested
            requested.remove("d6")
            cached.remove("d5")
        for number, descriptor in enumerate(cached):
            current = revisions.get(descriptor, PROFILE).value
            stale = (index + number) % 7 == 0
            run_rows.append(
                {
                    "run_id": f"{index:012x}{number:04x}" + "0" * 16, "video_id": video_id,
                    "analyzer": descriptor, "artifact_type": "scene", "profile": PROFILE,
                    "model_id": "m", "engine_version": "test-1", "config": {},
                    "config_hash": "c", "cache_key": f"{index}-{descriptor}",
                    "status": "succeeded", "attempts": 1, "progress": 1.0,
                    "artifact_count": 0, "queued_at": now, "finished_at": now,
                    "revision": "0" * 64 if stale else current,
                }
            )  # fmt: skip
        intent_rows.append(
            {
                "video_id": video_id, "profile": PROFILE, "descriptors": sorted(requested),
                "intent_hash": intent_hash(video_id, PROFILE, requested),
                "requested_by": "cli", "requested_at": now,
            }
        )  # fmt: skip
    with db.transaction() as session:
        for model, rows in ((Video, video_rows), (Run, run_rows), (Intent, intent_rows)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])


def time_diffs(db: Database, catalog: AnalyzerCatalog) -> tuple[float, float, dict[str, int]]:
    with db.sessions() as session:
        videos = CacheRepository(session).videos(None)
        began = time.perf_counter()
        together = cache_diff(session, catalog, videos, revisions=Revisions(catalog))
        set_based = time.perf_counter() - began
        revisions = Revisions(catalog)
        began = time.perf_counter()
        one_by_one = [
            diff
            for video in videos
            for diff in cache_diff(session, catalog, [video], revisions=revisions)
        ]
        per_video = time.perf_counter() - began
    if together != one_by_one:
        raise SystemExit("the set-based diff differs from the per-video diff")
    counts = {status.value: 0 for status in DescriptorStatus}
    for diff in together:
        for group in diff.profiles:
            for state in group.descriptors:
                counts[state.status.value] += 1
    return set_based, per_video, counts


def time_command(db: Database, video: Path) -> float:
    """Median wall time of the whole `eioku analyze` command on a cached video."""
    env = {
        **os.environ,
        "EIOKU_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "EIOKU_ANALYZER_PLUGINS": "support.analyzers:ScriptedAnalyzer",
    }
    command = [sys.executable, "-m", "pipeline.cli.main", "analyze", str(video), "-a", "scripted"]
    samples = []
    for _ in range(COMMAND_RUNS + 1):  # the first one computes
        began = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples[1:])


def time_intents(db: Database, catalog: AnalyzerCatalog, video: Path) -> tuple[float, float]:
    """Median cached `analyze_file` with the intent step and with it skipped."""
    request = AnalysisRequest(["scripted"], PROFILE, {})
    analyze_file(db, catalog, str(video), request)
    samples: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(CACHED_RUNS):
        for with_intent in (True, False):
            skip = mock.patch.object(IntentRepository, "add", return_value=False)
            with nullcontext() if with_intent else skip:
                began = time.perf_counter()
                report = analyze_file(db, catalog, str(video), request)
                samples[with_intent].append(time.perf_counter() - began)
            if [run.outcome for run in report.runs] != [Outcome.CACHED]:
                raise SystemExit("the re-analysis was not cached")
    return statistics.median(samples[True]), statistics.median(samples[False])


@contextmanager
def database(args: argparse.Namespace, workdir: Path) -> Iterator[Database]:
    if args.postgres:
        context = temporary_database()
    elif args.database_url:
        context = nullcontext(args.database_url)
    else:
        context = nullcontext(f"sqlite:///{workdir / 'bench.db'}")
    with context as url:
        db = Database.from_url(url)
        upgrade(db.engine)
        try:
            yield db
        finally:
            db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty database (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="a temporary PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eioku-bench-") as folder:
        workdir = Path(folder)
        os.environ["EIOKU_HOME"] = str(workdir / "home")
        catalog = bench_catalog()
        with database(args, workdir) as db:
            print(f"database: {db.engine.url.get_backend_name()}")
            began = time.perf_counter()
            fill(db, catalog, args.videos)
            print(f"filled {args.videos} videos x {len(DESCRIPTORS)} descriptors "
                  f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
            set_based, per_video, counts = time_diffs(db, catalog)
            print(f"statuses: {counts}")
            print(f"{'cache diff of every video':<40}{'time':>10}")
            print(f"{'  set-based (3 queries)':<40}{set_based:>9.3f}s")
            print(f"{'  video by video (3 queries each)':<40}{per_video:>9.3f}s")
            print(f"{'  ratio':<40}{per_video / set_based:>9.1f}x")
            video = write_video(workdir / "cached.mp4", alternating_shots([10, 10]), size=(64, 48))
            with_intent, without = time_intents(db, catalog, video)
            command = time_command(db, video)
        overhead = (with_intent - without) / without * 100
        print(f"{'cached analyze_file (median of 41)':<40}{'time':>10}")
        print(f"{'  with intent recording':<40}{with_intent * 1000:>8.2f}ms")
        print(f"{'  intent step skipped':<40}{without * 1000:>8.2f}ms")
        print(f"{'  overhead':<40}{overhead:>8.1f} %")
        share = (with_intent - without) / command * 100
        print(f"{'`eioku analyze` of the cached video':<40}{command * 1000:>8.0f}ms")
        print(f"{'  intent step as a share of it':<40}{share:>8.2f} %")


if __name__ == "__main__":
    main()
