"""Navigation queries on both databases, against brute-force answers over what was
inserted: jump next/prev (strict, ties by id, filters, selection), find ordering and the
merge of transcript and OCR matches, global jump, hostile search strings."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.analysis.declarations import Produces
from pipeline.db.engine import Database
from pipeline.db.models import RunStatus
from pipeline.db.repositories import SelectionPolicyManager
from pipeline.query.find import find_text
from pipeline.query.jump import JumpFilters, jump, jump_global
from pipeline.query.kinds import ALL_SOURCES, Direction, QueryParameterError
from schemas.base import BoundingBox, Point
from schemas.payloads import ObjectDetection, OcrText, TranscriptSegment
from tests.support.factories import (
    INSTALLED,
    clear_tables,
    make_envelope,
    make_run,
    make_video,
    write_artifacts,
)

LABELS = ("person", "dog", "car")
WORDS = ("budget", "meeting", "river", "apple", "zebra")
BOX = BoundingBox(x=1.0, y=1.0, width=10.0, height=10.0)
SQUARE = [Point(x=0.0, y=0.0), Point(x=5.0, y=0.0), Point(x=5.0, y=5.0)]
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass(frozen=True)
class Stored:
    artifact_id: str
    video_id: str
    start_ms: int
    end_ms: int
    label: str = ""
    text: str = ""
    source: str = "transcript"


def detection(start: int, label: str) -> ObjectDetection:
    return ObjectDetection(
        frame_index=start // 40, timestamp_ms=start, label=label, class_id=0,
        confidence=0.9, bbox=BOX,
    )  # fmt: skip


def store(db: Database, video_id: str, artifact_type: str, payloads: list, *, profile: str = "fast",
          finished: datetime | None = None) -> list[str]:  # fmt: skip
    """One succeeded run of ``profile`` holding ``payloads``; returns their artifact ids."""
    with db.transaction() as session:
        run = make_run(
            session, video_id, status=RunStatus.SUCCEEDED, artifact_type=artifact_type,
            profile=profile, finished_at=finished or datetime.now(UTC),
        )  # fmt: skip
        envelopes = [
            make_envelope(p, asset_id=video_id, run_id=run.run_id, model_profile=profile)
            for p in payloads
        ]
        write_artifacts(session, envelopes)
    return [e.artifact_id for e in envelopes]


def new_video(db: Database) -> str:
    with db.transaction() as session:
        return make_video(session).video_id


def beyond(start: int, from_ms: int, direction: Direction) -> bool:
    return start > from_ms if direction is Direction.NEXT else start < from_ms


def brute_jump(
    stored: list[Stored], direction: Direction, from_ms: int
) -> tuple[int, list[str]] | None:
    later = [s for s in stored if beyond(s.start_ms, from_ms, direction)]
    if not later:
        return None
    pick = min if direction is Direction.NEXT else max
    target = pick(s.start_ms for s in later)
    return target, sorted(s.artifact_id for s in later if s.start_ms == target)


objects = st.lists(
    st.tuples(st.integers(0, 5000), st.sampled_from(LABELS)), min_size=1, max_size=25
)


@EXAMPLES
@given(
    objects,
    objects,
    st.integers(-1, 5100),
    st.sampled_from(list(Direction)),
    st.none() | st.sampled_from(LABELS),
)
def test_jump_equals_brute_force(
    db: Database,
    selected: list[tuple[int, str]],
    older: list[tuple[int, str]],
    from_ms: int,
    direction: Direction,
    label: str | None,
) -> None:
    clear_tables(db)
    video = new_video(db)
    long_ago = datetime.now(UTC) - timedelta(days=1)
    store(db, video, "object.detection", [detection(t, lab) for t, lab in older], finished=long_ago)
    ids = store(db, video, "object.detection", [detection(t, lab) for t, lab in selected])
    stored = [Stored(i, video, t, t, lab) for i, (t, lab) in zip(ids, selected, strict=True)]
    candidates = [s for s in stored if label is None or s.label == label]
    with db.sessions() as session:
        found = jump(session, SelectionPolicyManager(session), video, OBJECT,
                     direction, from_ms, JumpFilters(label=label))  # fmt: skip
    expected = brute_jump(candidates, direction, from_ms)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.start_ms, found.artifact_ids) == expected


def test_pressing_next_again_advances_and_prev_walks_back(db: Database) -> None:
    video = new_video(db)
    store(db, video, "object.detection", [detection(t, "dog") for t in (100, 100, 300, 700)])
    with db.sessions() as session:
        manager = SelectionPolicyManager(session)
        starts, position = [], -1
        while target := jump(session, manager, video, OBJECT, Direction.NEXT, position):
            starts.append(target.start_ms)
            position = target.start_ms
        assert starts == [100, 300, 700]
        back = jump(session, manager, video, OBJECT, Direction.PREV, 300)
        assert back is not None and back.start_ms == 100 and len(back.artifact_ids) == 2
        assert back.artifact_ids == sorted(back.artifact_ids)


def segment(start: int, text: str) -> TranscriptSegment:
    return TranscriptSegment(start_ms=start, end_ms=start + 500, text=text, language="en",
                             confidence=0.8)  # fmt: skip


def ocr(start: int, text: str) -> OcrText:
    return OcrText(start_ms=start, end_ms=start + 900, text=text, confidence=0.8, polygon=SQUARE)


OBJECT, SCENE, TRANSCRIPT = (INSTALLED.kind(name) for name in ("object", "scene", "transcript"))


def sources_for(source: str) -> list[Produces]:
    names = INSTALLED.text_kinds if source == ALL_SOURCES else [source]
    return [INSTALLED.kind(name) for name in names]


texts = st.lists(
    st.tuples(st.integers(0, 5000), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)),
    min_size=1,
    max_size=12,
)


@EXAMPLES
@given(
    texts,
    texts,
    st.sampled_from(WORDS),
    st.none() | st.integers(0, 5000),
    st.sampled_from(list(Direction)),
    st.sampled_from(["transcript", "ocr", ALL_SOURCES]),
)
def test_find_order_and_merge_equal_brute_force(
    db: Database,
    spoken: list[tuple[int, list[str]]],
    shown: list[tuple[int, list[str]]],
    word: str,
    from_ms: int | None,
    direction: Direction,
    source: str,
) -> None:
    clear_tables(db)
    video = new_video(db)
    spoken_ids = store(
        db, video, "transcript.segment", [segment(t, " ".join(w)) for t, w in spoken]
    )
    shown_ids = store(db, video, "ocr.text", [ocr(t, " ".join(w)) for t, w in shown])
    stored = [
        Stored(i, video, t, 0, text=" ".join(w))
        for i, (t, w) in zip(spoken_ids, spoken, strict=True)
    ]
    stored += [Stored(i, video, t, 0, text=" ".join(w), source="ocr")
               for i, (t, w) in zip(shown_ids, shown, strict=True)]  # fmt: skip
    expected = [
        s for s in stored
        if word in s.text.split()
        and (source == ALL_SOURCES or s.source == source)
        and (from_ms is None or beyond(s.start_ms, from_ms, direction))
    ]  # fmt: skip
    expected.sort(key=lambda s: (s.start_ms, s.artifact_id), reverse=direction is Direction.PREV)
    with db.sessions() as session:
        manager = SelectionPolicyManager(session)
        found = find_text(session, manager, video, word, sources_for(source),
                          direction=direction, from_ms=from_ms, limit=100)  # fmt: skip
    assert [m.artifact_id for m in found] == [s.artifact_id for s in expected]
    for match in found:
        assert f"<mark>{word}</mark>" in match.snippet.lower()


HOSTILE = [
    '"', "'", '""', "&|!():*", "budget & (river | !apple)", "'; DROP TABLE artifacts; --",
    "NEAR(budget river)", "budget*", "^budget", "-budget", "a\x00b", "ünïcödé 日本語 🎬",
    "x" * 10_000, " ".join(["budget"] * 2000), "", "   ", "OR", "AND NOT", "{col}: budget",
]  # fmt: skip


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_any_search_string_gives_results_or_nothing(db: Database, q: str) -> None:
    video = new_video(db)
    store(db, video, "transcript.segment", [segment(0, "budget river meeting")])
    with db.sessions() as session:
        found = find_text(session, SelectionPolicyManager(session), video, q, sources_for("all"))
    assert isinstance(found, list)
    assert all(match.video_id == video for match in found)


def test_global_jump_walks_videos_in_order(db: Database) -> None:
    videos = sorted(new_video(db) for _ in range(3))
    for video in videos:
        labelled = [detection(50, "dog"), detection(400, "cat"), detection(900, "dog")]
        store(db, video, "object.detection", labelled)
    with db.sessions() as session:
        manager = SelectionPolicyManager(session)
        forward = jump_global(session, manager, OBJECT, Direction.NEXT, videos[0], 50,
                              JumpFilters(label="dog"), limit=10)  # fmt: skip
        backward = jump_global(session, manager, OBJECT, Direction.PREV, videos[2], 50,
                               JumpFilters(label="dog"), limit=2)  # fmt: skip
    assert [(t.video_id, t.start_ms) for t in forward] == [
        (videos[0], 900), (videos[1], 50), (videos[1], 900), (videos[2], 50), (videos[2], 900),
    ]  # fmt: skip
    assert [(t.video_id, t.start_ms) for t in backward] == [(videos[1], 900), (videos[1], 50)]


def test_global_text_jump(db: Database) -> None:
    first, second = sorted(new_video(db) for _ in range(2))
    store(db, first, "transcript.segment", [segment(100, "river budget"), segment(800, "apple")])
    store(db, second, "transcript.segment", [segment(300, "the budget again")])
    with db.sessions() as session:
        found = jump_global(session, SelectionPolicyManager(session), TRANSCRIPT,
                            Direction.NEXT, None, 0, query="budget")  # fmt: skip
    assert [(t.video_id, t.start_ms) for t in found] == [(first, 100), (second, 300)]


@pytest.mark.parametrize(
    ("kind", "filters", "field"),
    [
        (SCENE, JumpFilters(label="dog"), "label"),
        (OBJECT, JumpFilters(face_cluster_id=1), "face_cluster_id"),
        (SCENE, JumpFilters(min_confidence=0.5), "min_confidence"),
    ],
)
def test_filters_that_do_not_apply_are_refused(
    db: Database, kind: Produces, filters: JumpFilters, field: str
) -> None:
    with db.sessions() as session, pytest.raises(QueryParameterError) as raised:
        jump(session, SelectionPolicyManager(session), "v", kind, Direction.NEXT, 0, filters)
    assert raised.value.field == field


@pytest.mark.parametrize("q", ["", "   ", "\x00"])
def test_a_blank_global_text_query_finds_nothing(db: Database, q: str) -> None:
    video = new_video(db)
    store(db, video, "transcript.segment", [segment(0, "budget")])
    with db.sessions() as session:
        found = jump_global(session, SelectionPolicyManager(session), TRANSCRIPT,
                            Direction.NEXT, None, 0, query=q)  # fmt: skip
    assert found == []
