"""Benchmark: jump and find latency on 1,000,000 artifacts in PostgreSQL, through the HTTP
app, against loading every artifact of the video into Python and filtering there.

Run from the project root:

    .venv/bin/python -m bench.query [--artifacts N] [--videos N] [--requests N]
        [--naive-requests N] [--keep-db NAME]
        [--admin-url postgresql://postgres@127.0.0.1/postgres]

It creates a throw-away database (dropped at the end, also on error), migrates it and
bulk-loads the artifacts. With `--keep-db NAME` the database is named NAME and kept: the
first run loads it and records the load (artifacts, videos, seed) in its COMMENT, later
runs with the same figures migrate it to head and reuse it without loading (a database
NAME holding anything else is refused, never dropped; drop it with `DROP DATABASE NAME`).
The load: per video and artifact type two succeeded runs (profiles
`fast` and `balanced`, the same mix of data), so the default selection policy
(best_quality: `balanced`) has to discard half of every candidate set. Types: 60 %
`object.detection` (8 labels), 30 % `transcript.segment` (10 words each from a
500-word vocabulary), 10 % `scene`. Rows go in with COPY through `pipeline.db.bulk`
(batch_create's insert path, artifact and projection rows; payload validation skipped).
Then VACUUM ANALYZE, and random requests (same seeds for every path):

  jump: `GET /v1/videos/{id}/jump?kind=object&label=L&direction=next&from_ms=T`
  find: `GET /v1/videos/{id}/find?q=WORD&source=transcript&from_ms=T` (50 matches)

through `pipeline.api.create_app` with Starlette's TestClient (in-process HTTP, no
socket), through `eioku serve` (uvicorn, in its own process) over one kept-alive
`http.client` connection, and the same query functions called directly (in the reading
session a request uses), taking turns request by request
(so that the load of a shared machine weighs on all alike), then the naive approach:
`ArtifactRepository.get_by_asset(video)` (every selected artifact of the video, no type
filter) filtered in Python. The answers of the four paths are checked to agree.
Finally the EXPLAIN ANALYZE of the jump and find SQL, captured from the engine, with each
statement's size (psycopg parses a long one again at every execution) and how PostgreSQL
plans it once prepared (a generic plan reused or a plan per execution); for find also a
prefix (the word's first four letters and `*`) and a phrase (the word twice, quoted), to
show which index they read.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.support import DEFAULT_ADMIN_URL, kept_database, mark_loaded, temporary_database
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.current_revisions import CurrentRevisions
from pipeline.db.bulk import bulk_insert
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.db.models import Artifact, Run, RunStatus, Video
from pipeline.db.projections import projection_rows
from pipeline.db.repositories import ArtifactRepository, SelectionPolicyManager
from pipeline.query.find import find_text
from pipeline.query.jump import JumpFilters, jump
from pipeline.query.kinds import Direction
from pipeline.settings import load_settings

DURATION_MS = 3_600_000
FPS = 30
PROFILES = ("fast", "balanced")  # best_quality selects balanced
MIX = (("object.detection", 6), ("transcript.segment", 3), ("scene", 1))  # tenths
LABELS = ("person", "car", "dog", "bicycle", "chair", "bottle", "cup", "laptop")
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "da", "gu")
WORDS_PER_SEGMENT = 10
VOCABULARY_SIZE = 500
SETTINGS = load_settings()
CATALOG = AnalyzerCatalog(SETTINGS)
DECLARED = CATALOG.vocabulary()  # the artifact types' projections and jump kinds
FIND_LIMIT = 50
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

stderr = Console(stderr=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=1_000_000)
    parser.add_argument("--videos", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200, help="per query and fast path")
    parser.add_argument("--naive-requests", type=int, default=20, help="per query, naive path")
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per COPY transaction")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument(
        "--keep-db", metavar="NAME", help="load into database NAME once, keep and reuse it"
    )
    args = parser.parse_args(argv)
    if args.artifacts < 20 * args.videos or args.videos < 1:
        parser.error("need at least 20 artifacts per video")
    return args


# --- data -------------------------------------------------------------------------------


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


@dataclass(frozen=True)
class Layout:
    video_ids: list[str]
    runs: dict[tuple[str, str, str], str]  # (video, type, profile) -> run id
    per_run: dict[str, int]  # artifact type -> artifacts per run

    @property
    def total(self) -> int:
        return len(self.video_ids) * len(PROFILES) * sum(self.per_run.values())


def plan_layout(rng: random.Random, artifacts: int, videos: int) -> Layout:
    per_run_total = artifacts // videos // len(PROFILES)
    per_run = {kind: per_run_total * tenths // 10 for kind, tenths in MIX}
    per_run["scene"] += per_run_total - sum(per_run.values())
    video_ids = [f"{rng.getrandbits(64):016x}" for _ in range(videos)]
    runs = {
        (video, kind, profile): f"{rng.getrandbits(128):032x}"
        for video in video_ids
        for kind, _ in MIX
        for profile in PROFILES
    }
    return Layout(video_ids, runs, per_run)


def seed_videos_and_runs(db: Database, layout: Layout) -> None:
    with db.transaction() as session:
        for index, video_id in enumerate(layout.video_ids):
            session.add(
                Video(
                    video_id=video_id,
                    content_hash=f"{index:064x}",
                    path=f"/bench/{video_id}.mp4",
                    size_bytes=1_000_000,
                    mtime_ns=0,
                    duration_ms=DURATION_MS,
                    fps=float(FPS),
                    width=1920,
                    height=1080,
                    frame_count=DURATION_MS * FPS // 1000,
                    container="mp4",
                    video_codec="h264",
                    audio_codec="aac",
                )
            )
        session.flush()
        for (video_id, kind, profile), run_id in layout.runs.items():
            session.add(
                Run(
                    run_id=run_id,
                    video_id=video_id,
                    analyzer=kind.split(".")[0],
                    artifact_type=kind,
                    profile=profile,
                    model_id="bench-model",
                    engine_version="0",
                    config={},
                    config_hash="c" * 64,
                    cache_key=run_id * 2,
                    status=RunStatus.SUCCEEDED,
                    artifact_count=layout.per_run[kind],
                    finished_at=EPOCH + timedelta(minutes=PROFILES.index(profile)),
                )
            )


def payloads(rng: random.Random, kind: str, count: int, words: list[str]) -> Iterator[dict]:
    if kind == "object.detection":
        for _ in range(count):
            ms = rng.randrange(DURATION_MS)
            label = rng.randrange(len(LABELS))
            yield {
                "frame_index": ms * FPS // 1000,
                "timestamp_ms": ms,
                "label": LABELS[label],
                "class_id": label,
                "confidence": round(rng.uniform(0.3, 1.0), 3),
                "bbox": {"x": 10.0, "y": 20.0, "width": 100.0, "height": 80.0},
                "track_id": None,
            }
        return
    step = DURATION_MS // count
    for index in range(count):
        start, end = index * step, (index + 1) * step
        if kind == "scene":
            yield {
                "start_ms": start,
                "end_ms": end,
                "scene_index": index,
                "start_frame": start * FPS // 1000,
                "end_frame": end * FPS // 1000,
            }
        else:
            sentence = " ".join(rng.choices(words, k=WORDS_PER_SEGMENT))
            yield {
                "start_ms": start,
                "end_ms": end,
                "text": sentence,
                "language": "en",
                "confidence": 0.9,
                "words": [],
            }


def artifact_rows(rng: random.Random, layout: Layout, words: list[str]) -> Iterator[dict]:
    for (video_id, kind, profile), run_id in layout.runs.items():
        for payload in payloads(rng, kind, layout.per_run[kind], words):
            start = payload.get("timestamp_ms", payload.get("start_ms"))
            yield {
                "artifact_id": f"{rng.getrandbits(128):032x}",
                "asset_id": video_id,
                "artifact_type": kind,
                "schema_version": 1,
                "span_start_ms": start,
                "span_end_ms": payload.get("end_ms", start),
                "payload": payload,
                "producer": kind.split(".")[0],
                "producer_version": "0",
                "model_profile": profile,
                "model_id": "bench-model",
                "config_hash": "c" * 64,
                "input_hash": "i" * 64,
                "run_id": run_id,
                "created_at": EPOCH,
            }


def load(db: Database, rows: Iterator[dict], total: int, chunk: int) -> float:
    progress = Progress(
        TextColumn("loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
    )
    started = time.perf_counter()
    with progress:
        task = progress.add_task("load", total=total)
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) == chunk:
                _insert(db, batch)
                progress.advance(task, len(batch))
                batch = []
        _insert(db, batch)
        progress.advance(task, len(batch))
    return time.perf_counter() - started


def _insert(db: Database, rows: list[dict]) -> None:
    projected: dict[Any, list[dict]] = {}
    for row in rows:
        projection = DECLARED.projection(row["artifact_type"])
        for table, projection_row in projection_rows(row, projection) if projection else []:
            projected.setdefault(table, []).append(projection_row)
    with db.transaction() as session:
        bulk_insert(session, Artifact.__table__, rows)
        for table, table_rows in projected.items():
            bulk_insert(session, table, table_rows)


def vacuum_analyze(db: Database) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


# --- the three paths --------------------------------------------------------------------


@dataclass(frozen=True)
class JumpRequest:
    video_id: str
    label: str
    from_ms: int


@dataclass(frozen=True)
class FindRequest:
    video_id: str
    word: str
    from_ms: int


JumpAnswer = tuple[int, list[str]] | None  # start, artifact ids
FindAnswer = list[str]  # artifact ids in order


class Direct:
    """The database work of a request (a reading session, the query, the selection policy
    with the current revisions as the server passes them), no HTTP."""

    name = "query function"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.current_revisions = CurrentRevisions(CATALOG, SETTINGS.models_path)

    def manager(self, session: Session) -> SelectionPolicyManager:
        return SelectionPolicyManager(
            session,
            profile_order=SETTINGS.profile_order,
            current_revisions=self.current_revisions.of_type,
        )

    def jump(self, request: JumpRequest) -> JumpAnswer:
        with self.db.reading() as connection, Session(bind=connection) as session:
            target = jump(
                connection,
                self.manager(session),
                request.video_id,
                DECLARED.kind("object"),
                Direction.NEXT,
                request.from_ms,
                JumpFilters(label=request.label),
            )
        return None if target is None else (target.start_ms, target.artifact_ids)

    def find(self, request: FindRequest) -> FindAnswer:
        with self.db.reading() as connection, Session(bind=connection) as session:
            matches = find_text(
                connection,
                self.manager(session),
                request.video_id,
                request.word,
                [DECLARED.kind("transcript")],
                from_ms=request.from_ms,
                limit=FIND_LIMIT,
            )
        return [match.artifact_id for match in matches]


class Http:
    name = "HTTP app"

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        response = self.client.get(path, params=params)
        return response.status_code, response.json()

    def jump(self, request: JumpRequest) -> JumpAnswer:
        params = {"kind": "object", "label": request.label, "direction": "next"}
        status, body = self.get(
            f"/v1/videos/{request.video_id}/jump", {**params, "from_ms": request.from_ms}
        )
        if status == 404:
            return None
        if status != 200:
            raise SystemExit(f"jump answered {status}: {body}")
        return body["jump_to"]["start_ms"], body["artifact_ids"]

    def find(self, request: FindRequest) -> FindAnswer:
        params = {"q": request.word, "source": "transcript", "limit": FIND_LIMIT}
        status, body = self.get(
            f"/v1/videos/{request.video_id}/find", {**params, "from_ms": request.from_ms}
        )
        if status != 200:
            raise SystemExit(f"find answered {status}: {body}")
        return [match["artifact_id"] for match in body["matches"]]


class Served(Http):
    """The same requests over a socket to `eioku serve` (uvicorn), on one kept-alive
    connection of the standard library's `http.client`: the path a deployed client takes,
    with a client that adds little of its own (httpx adds more; docs/performance.md)."""

    name = "HTTP server (uvicorn)"

    def get(self, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        try:
            return self._get(path, params)
        except http.client.RemoteDisconnected:  # idle past uvicorn's keep-alive (5 s)
            self.client.close()
            return self._get(path, params)

    def _get(self, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        self.client.request("GET", f"{path}?{urlencode(params)}")
        response = self.client.getresponse()
        return response.status, json.loads(response.read())


class Naive:
    name = "naive: load all, filter in Python"

    def __init__(self, db: Database) -> None:
        self.db = db

    def _all(self, video_id: str) -> list[Any]:
        with self.db.sessions() as session:
            return ArtifactRepository(session).get_by_asset(video_id)

    def jump(self, request: JumpRequest) -> JumpAnswer:
        hits = [
            envelope
            for envelope in self._all(request.video_id)
            if envelope.artifact_type == "object.detection"
            and envelope.payload["label"] == request.label
            and envelope.span_start_ms > request.from_ms
        ]
        if not hits:
            return None
        start = min(envelope.span_start_ms for envelope in hits)
        return start, sorted(e.artifact_id for e in hits if e.span_start_ms == start)

    def find(self, request: FindRequest) -> FindAnswer:
        hits = sorted(
            (envelope.span_start_ms, envelope.artifact_id)
            for envelope in self._all(request.video_id)
            if envelope.artifact_type == "transcript.segment"
            and envelope.span_start_ms > request.from_ms
            and request.word in envelope.payload["text"].lower().split()
        )
        return [artifact_id for _, artifact_id in hits[:FIND_LIMIT]]


@contextmanager
def http_path(url: str) -> Iterator[Http | None]:
    try:
        from fastapi.testclient import TestClient

        from pipeline.api import create_app
    except ImportError:
        yield None
        return
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings({"EIOKU_DATABASE_URL": url, "EIOKU_HOME": home})
        with TestClient(create_app(settings)) as client:
            yield Http(client)


@contextmanager
def served_path(url: str) -> Iterator[Served]:
    """`eioku serve` on a free local port, in its own process, until the bench is done."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "EIOKU_DATABASE_URL": url, "EIOKU_HOME": home}
        command = [sys.executable, "-m", "pipeline.cli.main", "serve", "--port", str(port)]
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("eioku serve did not start")
                time.sleep(0.2)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                yield Served(connection)
            finally:
                connection.close()
        finally:
            server.terminate()
            server.wait(30)


# --- measuring --------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    query: str
    path: str
    seconds: list[float]

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(call: Callable[[Any], Any], request: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = call(request)
    return time.perf_counter() - started, answer


def measure(
    paths: Sequence[Any],
    jumps: Sequence[JumpRequest],
    finds: Sequence[FindRequest],
    naive_count: int,
) -> list[Timing]:
    """The fast paths take turns request by request, so that a change in the machine's
    load weighs on each of them alike; the naive path runs after them (it would evict
    what the others keep in cache)."""
    fast = [path for path in paths if not isinstance(path, Naive)]
    seconds: dict[tuple[str, str], list[float]] = {}
    for query, requests in (("jump", jumps), ("find", finds)):
        answers: dict[str, list[Any]] = {}
        for path in paths:
            getattr(path, query)(requests[0])  # warm-up: connection pool, first-use imports
        stderr.print(f"{len(requests)} x {query} via {', '.join(p.name for p in fast)}...")
        for request in requests:
            for path in fast:
                took, answer = timed(getattr(path, query), request)
                seconds.setdefault((query, path.name), []).append(took)
                answers.setdefault(path.name, []).append(answer)
        for path in paths:
            if isinstance(path, Naive):
                stderr.print(f"{naive_count} x {query} via {path.name}...")
                for request in requests[:naive_count]:
                    took, answer = timed(getattr(path, query), request)
                    seconds.setdefault((query, path.name), []).append(took)
                    answers.setdefault(path.name, []).append(answer)
        expected = answers[paths[0].name]
        for name, given in answers.items():
            if given != expected[: len(given)]:
                raise SystemExit(f"{name} answers {query} differently from {paths[0].name}")
    return [
        Timing(query, path.name, seconds[query, path.name])
        for path in paths
        for query in ("jump", "find")
    ]


# --- EXPLAIN ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    statement: str
    parameters: Any


@contextmanager
def captured_sql(db: Database) -> Iterator[list[Captured]]:
    statements: list[Captured] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append(Captured(statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def explain(
    db: Database, captured: Captured, options: str = "ANALYZE, COSTS OFF, SUMMARY ON"
) -> str:
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            f"EXPLAIN ({options}) " + captured.statement, captured.parameters
        )
        return "\n".join(row[0] for row in plan)


def main_statement(statements: list[Captured], table: str) -> Captured:
    return next(c for c in statements if f"FROM {table}" in c.statement and "LIMIT" in c.statement)


def statement_size(captured: Captured) -> str:
    """psycopg parses a statement into PostgreSQL's form once and keeps it only while the
    statement is short (4096 bytes, 50 parameters in psycopg 3.3); longer ones are parsed
    again at every execution (docs/ARCHITECTURE.md, "Request path")."""
    size, count = len(captured.statement.encode()), len(captured.parameters)
    kept = size <= MAX_CACHED_STATEMENT_LENGTH and count <= MAX_CACHED_STATEMENT_PARAMS
    return f"{size} bytes, {count} parameters: psycopg {'keeps' if kept else 'REPARSES'} its parse"


def plan_reuse(url: str, captured: Captured, executions: int = 20) -> str:
    """How PostgreSQL plans the statement once psycopg has prepared it (at its fifth
    execution on a connection): one generic plan reused, or a plan made anew each time.
    On a connection of its own, so that no other statement is counted."""
    fresh = Database.from_url(url)
    try:
        with fresh.engine.connect() as connection:
            for _ in range(executions):
                connection.exec_driver_sql(captured.statement, captured.parameters).all()
            generic, custom = connection.execute(
                text("SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements")
            ).one()
    finally:
        fresh.dispose()
    return (
        f"of {executions} executions, {generic or 0} ran a generic plan, "
        f"{custom or 0} were planned anew"
    )


def explain_queries(
    url: str, db: Database, direct: Direct, jump_request: JumpRequest, find_request: FindRequest
) -> None:
    word = find_request.word
    prefix = FindRequest(find_request.video_id, word[:4] + "*", find_request.from_ms)
    phrase = FindRequest(find_request.video_id, f'"{word} {word}"', find_request.from_ms)
    for title, table, run in (
        ("jump (object, label, next)", "artifact_facets", lambda: direct.jump(jump_request)),
        ("find (transcript word)", "artifact_text", lambda: direct.find(find_request)),
        ("find (transcript prefix)", "artifact_text", lambda: direct.find(prefix)),
        ("find (transcript phrase)", "artifact_text", lambda: direct.find(phrase)),
    ):
        with captured_sql(db) as statements:
            run()
        captured = main_statement(statements, table)
        reuse = plan_reuse(url, captured)
        plan = explain(db, captured)
        indexes = sorted(
            set(re.findall(r"Index (?:Only )?Scan (?:Backward )?(?:using|on) (\w+)", plan))
        )
        print(f"\n== EXPLAIN ANALYZE: {title}; indexes used: {', '.join(indexes) or 'NONE'}")
        print(f"-- statement: {statement_size(captured)}; {reuse}")
        parameters = ", ".join(f"{key}={value!s}" for key, value in captured.parameters.items())
        print(f"-- SQL ({parameters}):\n{captured.statement}\n-- plan:")
        print(plan)


# --- report -----------------------------------------------------------------------------


def report(
    timings: list[Timing], artifacts: int, videos: int, loaded: str, size: str, note: str
) -> None:
    console = Console(width=120)
    print(f"{artifacts:,} artifacts in {videos} videos {loaded}; database size {size}")
    if note:
        print(note)
    table = Table(title="jump / find latency (PostgreSQL)")
    for column in ("query", "path", "requests", "p50 ms", "p95 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="left" if column in ("query", "path") else "right")
    for t in timings:
        table.add_row(
            t.query,
            t.path,
            str(len(t.seconds)),
            f"{t.percentile(50) * 1000:.2f}",
            f"{t.percentile(95) * 1000:.2f}",
            f"{t.percentile(99) * 1000:.2f}",
            f"{statistics.fmean(t.seconds) * 1000:.2f}",
        )
    console.print(table)
    fastest = timings[0].path
    for query in ("jump", "find"):
        by_path = {t.path: t for t in timings if t.query == query}
        naive = by_path[Naive.name].percentile(50)
        print(
            f"{query}: naive p50 / {fastest} p50 = {naive / by_path[fastest].percentile(50):,.0f}x"
        )


@contextmanager
def bench_database(args: argparse.Namespace) -> Iterator[tuple[str, str | None]]:
    """The database URL and, when it already holds this load, why it is not loaded again."""
    if args.keep_db is None:
        with temporary_database(args.admin_url) as url:
            yield url, None
        return
    marker = load_marker(args)
    with kept_database(args.keep_db, marker, args.admin_url) as (url, loaded):
        yield url, (f"reused database {args.keep_db} ({marker})" if loaded else None)


def load_marker(args: argparse.Namespace) -> str:
    return f"bench.query artifacts={args.artifacts} videos={args.videos} seed={args.seed}"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    words = vocabulary(rng)
    layout = plan_layout(rng, args.artifacts, args.videos)
    with bench_database(args) as (url, reused):
        db = Database.from_url(url)
        try:
            upgrade(db.engine)
            if reused:
                loaded = reused
            else:
                seed_videos_and_runs(db, layout)
                load_s = load(db, artifact_rows(rng, layout, words), layout.total, args.chunk)
                stderr.print("VACUUM ANALYZE...")
                vacuum_analyze(db)
                if args.keep_db:
                    mark_loaded(url, load_marker(args))
                loaded = f"loaded in {load_s:.1f} s ({layout.total / load_s:,.0f} rows/s)"
            with db.engine.connect() as connection:
                size = connection.scalar(
                    text("SELECT pg_size_pretty(pg_database_size(current_database()))")
                )
            # Their own generator: the same requests whether or not this run loaded the data.
            requests_rng = random.Random(f"{args.seed}/requests")
            jumps = [
                JumpRequest(
                    requests_rng.choice(layout.video_ids),
                    requests_rng.choice(LABELS),
                    requests_rng.randrange(DURATION_MS),
                )
                for _ in range(args.requests)
            ]
            finds = [
                FindRequest(
                    requests_rng.choice(layout.video_ids),
                    requests_rng.choice(words),
                    requests_rng.randrange(DURATION_MS),
                )
                for _ in range(args.requests)
            ]
            with http_path(url) as http, served_path(url) as served:
                note = (
                    ""
                    if http
                    else (
                        "NOTE: pipeline.api.create_app is not available: no HTTP timings, the "
                        "query functions are called directly."
                    )
                )
                direct = Direct(db)
                paths = [p for p in (served, http, direct, Naive(db)) if p is not None]
                timings = measure(paths, jumps, finds, args.naive_requests)
            report(timings, layout.total, args.videos, loaded, str(size), note)
            explain_queries(url, db, direct, jumps[0], finds[0])
        finally:
            db.dispose()


if __name__ == "__main__":
    sys.exit(main())
