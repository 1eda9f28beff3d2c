"""Benchmark: artifact inserts per second on PostgreSQL, batch_create vs. row-at-a-time ORM.

Run from the project root:

    .venv/bin/python -m bench.batch_insert [--rows N] [--baseline-rows N] [--json]
        [--admin-url postgresql://postgres@127.0.0.1/postgres]

It creates a throw-away database (dropped at the end, also on error), migrates it, adds one
video and one run, and then times, on the same ``object.detection`` envelopes:

  (a) ``ArtifactRepository(session, vocabulary=...).batch_create(envelopes)`` in one
      transaction; this also validates every payload (while the rows stream into COPY)
      and writes one ``artifact_facets`` projection row per artifact;
  (b) the naive baseline: ``session.add(Artifact(...))`` + ``session.commit()`` per row,
      artifacts only (no validation, no projection rows).

Building the envelopes is not timed. The tables are emptied between (a) and (b). Both
figures are measured rows per second (``--baseline-rows`` shortens the baseline without
extrapolating anything); docs/performance.md ("bench.batch_insert") says where the time
goes.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.support import DEFAULT_ADMIN_URL, temporary_database
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.db.engine import Database, create_db_engine
from pipeline.db.migrate import upgrade
from pipeline.db.models import Artifact, Run, Video
from pipeline.db.projections import artifact_facets
from pipeline.db.repositories.artifacts import ArtifactRepository
from pipeline.settings import load_settings
from schemas import ArtifactEnvelope
from schemas.payloads.objects import ObjectDetection

ARTIFACT_TYPE = ObjectDetection.ARTIFACT_TYPE
LABELS = ("person", "car", "dog", "bicycle", "chair", "bottle", "cup", "laptop")
FPS = 30
PROGRESS_STEP = 100

stderr = Console(stderr=True)


@dataclass(frozen=True)
class Result:
    method: str
    rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="artifacts for batch_create")
    parser.add_argument(
        "--baseline-rows", type=int, default=None, help="artifacts for the baseline (= --rows)"
    )
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.baseline_rows is None:
        args.baseline_rows = args.rows
    if args.rows < 1 or args.baseline_rows < 1:
        parser.error("--rows and --baseline-rows must be positive")
    return args


def seed_video_and_run(db: Database) -> tuple[str, str]:
    video_id, run_id = uuid.uuid4().hex, uuid.uuid4().hex
    with db.transaction() as session:
        session.add(
            Video(
                video_id=video_id,
                content_hash="0" * 64,
                path="/bench/video.mp4",
                size_bytes=1_000_000,
                mtime_ns=0,
                duration_ms=3_600_000,
                fps=float(FPS),
                width=1920,
                height=1080,
                frame_count=3_600 * FPS,
                container="mp4",
                video_codec="h264",
                audio_codec="aac",
            )
        )
        session.flush()
        session.add(
            Run(
                run_id=run_id,
                video_id=video_id,
                analyzer="bench.objects",
                artifact_type=ARTIFACT_TYPE,
                profile="balanced",
                model_id="bench-model",
                engine_version="0",
                config={},
                config_hash="c" * 64,
                cache_key="k" * 64,
                status="running",
            )
        )
    return video_id, run_id


def build_envelopes(count: int, video_id: str, run_id: str) -> list[ArtifactEnvelope]:
    now = datetime.now(UTC)
    envelopes = []
    for index in range(count):
        frame = index // 4
        payload = ObjectDetection(
            frame_index=frame,
            timestamp_ms=frame * 1000 // FPS,
            label=LABELS[index % len(LABELS)],
            class_id=index % len(LABELS),
            confidence=0.5 + (index % 50) / 100,
            bbox={"x": 10.0, "y": 20.0, "width": 100.0, "height": 80.0},
            track_id=index % 16,
        )
        start, end = payload.span_ms()
        envelopes.append(
            ArtifactEnvelope(
                artifact_id=uuid.uuid4().hex,
                asset_id=video_id,
                artifact_type=ARTIFACT_TYPE,
                schema_version=ObjectDetection.SCHEMA_VERSION,
                span_start_ms=start,
                span_end_ms=end,
                payload=payload.model_dump(mode="json"),
                producer="bench.objects",
                producer_version="0",
                model_profile="balanced",
                model_id="bench-model",
                config_hash="c" * 64,
                input_hash="i" * 64,
                run_id=run_id,
                created_at=now,
            )
        )
    return envelopes


def time_batch_create(db: Database, envelopes: Sequence[ArtifactEnvelope]) -> Result:
    vocabulary = AnalyzerCatalog(load_settings()).vocabulary()
    started = time.perf_counter()
    with db.transaction() as session:
        ArtifactRepository(session, vocabulary=vocabulary).batch_create(envelopes)
    return Result("batch_create (1 transaction)", len(envelopes), time.perf_counter() - started)


def _progress() -> Progress:
    return Progress(
        TextColumn("baseline"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
    )


def time_baseline(db: Database, envelopes: Sequence[ArtifactEnvelope]) -> Result:
    with _progress() as progress, db.sessions() as session:
        task = progress.add_task("baseline", total=len(envelopes))
        started = time.perf_counter()
        for index, envelope in enumerate(envelopes, start=1):
            session.add(Artifact(**envelope.model_dump()))
            session.commit()
            if index % PROGRESS_STEP == 0:
                progress.advance(task, PROGRESS_STEP)
        elapsed = time.perf_counter() - started
        progress.update(task, completed=len(envelopes))
    return Result("ORM add+commit per row", len(envelopes), elapsed)


def count_rows(session: Session, table: object) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0  # type: ignore[arg-type]


def verify_counts(db: Database, artifacts: int, labels: int) -> None:
    with db.sessions() as session:
        found = (count_rows(session, Artifact), count_rows(session, artifact_facets))
    if found != (artifacts, labels):
        raise SystemExit(
            f"row count mismatch: artifacts/facets = {found}, expected {(artifacts, labels)}"
        )


def empty_tables(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("TRUNCATE artifacts CASCADE"))


def run_benchmark(url: str, rows: int, baseline_rows: int) -> list[Result]:
    db = Database(create_db_engine(url))
    try:
        upgrade(db.engine)
        video_id, run_id = seed_video_and_run(db)
        stderr.print(f"building {max(rows, baseline_rows):,} envelopes (not timed)...")
        envelopes = build_envelopes(max(rows, baseline_rows), video_id, run_id)
        stderr.print(f"(a) batch_create of {rows:,} rows...")
        batch = time_batch_create(db, envelopes[:rows])
        verify_counts(db, artifacts=rows, labels=rows)
        empty_tables(db)
        stderr.print(f"(b) baseline of {baseline_rows:,} rows...")
        baseline = time_baseline(db, envelopes[:baseline_rows])
        verify_counts(db, artifacts=baseline_rows, labels=0)
        return [batch, baseline]
    finally:
        db.dispose()


NOTE = (
    f"artifact type {ARTIFACT_TYPE}: batch_create also validates each payload and writes one "
    "artifact_facets projection row per artifact; the baseline writes artifact rows only. "
    "Envelope building is not timed."
)


def report(results: list[Result], as_json: bool) -> None:
    batch, baseline = results
    ratio = batch.rows_per_s / baseline.rows_per_s
    if as_json:
        rows = [
            {**asdict(r), "seconds": round(r.seconds, 3), "rows_per_s": round(r.rows_per_s, 1)}
            for r in results
        ]
        document = {"artifact_type": ARTIFACT_TYPE, "results": rows, "ratio": round(ratio, 2)}
        print(json.dumps({**document, "note": NOTE}, indent=2))
        return
    table = Table(title="Artifact insert throughput (PostgreSQL)")
    for column in ("method", "rows", "seconds", "rows/s"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for r in results:
        table.add_row(r.method, f"{r.rows:,}", f"{r.seconds:.2f}", f"{r.rows_per_s:,.0f}")
    console = Console()
    console.print(table)
    print(f"ratio batch/baseline (rows/s): {ratio:.1f}x")
    print(f"note: {NOTE}")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with temporary_database(args.admin_url) as url:
        results = run_benchmark(url, args.rows, args.baseline_rows)
    report(results, args.json)


if __name__ == "__main__":
    main()
