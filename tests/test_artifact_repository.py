"""ArtifactRepository on SQLite and PostgreSQL: batch writes, projections, queries, deletes."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pipeline.db.engine import Database
from pipeline.db.models import Artifact, RunStatus
from pipeline.db.projections import PROJECTION_TABLES, artifact_facets, artifact_text
from pipeline.db.repositories import ArtifactBatchError, ArtifactRepository
from schemas import ArtifactEnvelope
from schemas.base import BoundingBox, Payload, Point
from schemas.payloads import (
    FaceDetection,
    FrameKind,
    FrameSelection,
    ObjectDetection,
    OcrText,
    PlaceClassification,
    PlacePrediction,
    Scene,
    TranscriptSegment,
)
from tests.support.factories import (
    INSTALLED,
    clear_tables,
    make_envelope,
    make_run,
    make_video,
    write_artifacts,
)
from tests.support.stored import artifact_count
from tests.support.strategies import installed_models, payloads, payloads_of

PAYLOAD_MODELS = installed_models()
# the built-in types with a facet row (a label, person or confidence) and with text
FACETED = {
    "object.detection",
    "face.detection",
    "place.classification",
    "transcript.segment",
    "ocr.text",
}
WITH_TEXT = {"transcript.segment", "ocr.text"}

DB_PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BOX = BoundingBox(x=1.0, y=2.0, width=3.0, height=4.0)
TRIANGLE = [Point(x=0, y=0), Point(x=10, y=0), Point(x=10, y=5)]


def detection(timestamp_ms: int, *, label: str = "person", confidence: float = 0.5) -> Any:
    return ObjectDetection(
        frame_index=timestamp_ms // 40,
        timestamp_ms=timestamp_ms,
        label=label,
        class_id=0,
        confidence=confidence,
        bbox=BOX,
    )


def segment(start_ms: int, end_ms: int, words: str) -> TranscriptSegment:
    return TranscriptSegment(
        start_ms=start_ms, end_ms=end_ms, text=words, language="en", confidence=0.8
    )


def ocr(start_ms: int, end_ms: int, words: str) -> OcrText:
    return OcrText(start_ms=start_ms, end_ms=end_ms, text=words, confidence=0.7, polygon=TRIANGLE)


def one_of_each_type() -> list[Payload]:
    payloads = [
        segment(0, 1500, "the budget meeting"),
        Scene(start_ms=0, end_ms=4000, scene_index=0, start_frame=0, end_frame=100),
        detection(480, label="dog", confidence=0.75),
        FaceDetection(frame_index=12, timestamp_ms=480, confidence=0.9, bbox=BOX, cluster_id=7),
        PlaceClassification(
            frame_index=0,
            timestamp_ms=0,
            predictions=[
                PlacePrediction(label="office", class_index=244, confidence=0.6),
                PlacePrediction(label="kitchen", class_index=203, confidence=0.3),
            ],
        ),
        ocr(100, 900, "EXIT only"),
        FrameSelection(frame_index=3, timestamp_ms=120, kind=FrameKind.BRIGHT, score=0.4),
    ]
    assert {type(p) for p in payloads} == set(PAYLOAD_MODELS)
    return payloads


def setup_video_and_run(db: Database, **run_fields: Any) -> tuple[str, str]:
    with db.transaction() as session:
        video = make_video(session)
        run = make_run(session, video.video_id, status=RunStatus.SUCCEEDED, **run_fields)
        return video.video_id, run.run_id


def insert(db: Database, envelopes: list[ArtifactEnvelope]) -> int:
    with db.transaction() as session:
        return write_artifacts(session, envelopes)


def count(db: Database, table: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def rows(db: Database, table: Any) -> dict[str, dict[str, Any]]:
    with db.sessions() as session:
        return {row["artifact_id"]: dict(row) for row in session.execute(select(table)).mappings()}


def normalized(envelope: ArtifactEnvelope) -> ArtifactEnvelope:
    """The envelope as the repository stores it: payload re-dumped through its model."""
    model = next(m for m in PAYLOAD_MODELS if m.ARTIFACT_TYPE == envelope.artifact_type)
    payload = model.model_validate(envelope.payload).model_dump(mode="json")
    return envelope.model_copy(update={"payload": payload})


# --- batch_create is all-or-nothing ----------------------------------------------------


def test_batch_with_one_invalid_item_writes_nothing_and_names_it(db: Database) -> None:
    asset, run = setup_video_and_run(db)
    kinds = one_of_each_type()
    envelopes = [
        make_envelope(kinds[i % len(kinds)], asset_id=asset, run_id=run) for i in range(1000)
    ]
    good = make_envelope(detection(537), asset_id=asset, run_id=run)
    envelopes[537] = good.model_copy(update={"payload": {**good.payload, "confidence": 1.5}})

    with pytest.raises(ArtifactBatchError) as caught, db.transaction() as session:
        write_artifacts(session, envelopes)

    assert caught.value.index == 537
    assert caught.value.field == "confidence"
    assert caught.value.artifact_type == "object.detection"
    assert count(db, Artifact) == 0
    for table in PROJECTION_TABLES:
        assert count(db, table) == 0, table.name

    # the same batch with the item fixed goes in whole
    envelopes[537] = good
    assert insert(db, envelopes) == 1000
    assert count(db, Artifact) == 1000
    assert count(db, artifact_facets) == sum(e.artifact_type in FACETED for e in envelopes)
    assert count(db, artifact_text) == sum(e.artifact_type in WITH_TEXT for e in envelopes)


def test_an_invalid_batch_leaves_the_callers_transaction_usable(db: Database) -> None:
    # on PostgreSQL the rows before the invalid one have already streamed into the COPY
    asset, run = setup_video_and_run(db)
    envelopes = [make_envelope(detection(i), asset_id=asset, run_id=run) for i in range(3000)]
    invalid = envelopes[2900].model_copy(update={"payload": {**envelopes[2900].payload, "x": 1}})

    with db.transaction() as session:
        repository = ArtifactRepository(session, vocabulary=INSTALLED)
        with pytest.raises(ArtifactBatchError) as caught:
            repository.batch_create([*envelopes[:2900], invalid])
        assert (caught.value.index, caught.value.field) == (2900, "x")
        assert repository.batch_create(envelopes[:10]) == 10

    assert count(db, Artifact) == 10
    assert count(db, artifact_facets) == 10


def test_batch_rejects_an_unknown_type_and_a_span_that_differs_from_the_payload(
    db: Database,
) -> None:
    asset, run = setup_video_and_run(db)
    good = make_envelope(detection(100), asset_id=asset, run_id=run)
    shifted = make_envelope(detection(100), asset_id=asset, run_id=run, span_end_ms=200)
    unknown = good.model_copy(update={"artifact_id": "f" * 32, "artifact_type": "lyrics"})
    newer = good.model_copy(update={"artifact_id": "e" * 32, "schema_version": 2})

    for index, bad, field in [
        (1, shifted, "span_start_ms"),
        (1, unknown, "artifact_type"),
        (1, newer, "artifact_type"),
    ]:
        with pytest.raises(ArtifactBatchError) as caught, db.transaction() as session:
            write_artifacts(session, [good, bad])
        assert (caught.value.index, caught.value.field) == (index, field)
    assert count(db, Artifact) == 0
    assert insert(db, []) == 0


# --- projections -----------------------------------------------------------------------


def test_batch_create_writes_the_declared_projection_rows(db: Database) -> None:
    asset, run = setup_video_and_run(db)
    envelopes = {type(p): make_envelope(p, asset_id=asset, run_id=run) for p in one_of_each_type()}
    unclustered = make_envelope(
        FaceDetection(frame_index=50, timestamp_ms=2000, confidence=0.5, bbox=BOX),
        asset_id=asset,
        run_id=run,
    )
    assert insert(db, [*envelopes.values(), unclustered]) == 8

    common = {"asset_id": asset, "run_id": run}
    columns = ("start_ms", "end_ms", "label", "person", "confidence")
    facets = rows(db, artifact_facets)
    expected = {
        # model: (start, end, label, person, confidence)
        ObjectDetection: (480, 480, "dog", None, 0.75),
        FaceDetection: (480, 480, None, 7, 0.9),
        PlaceClassification: (0, 0, "office", None, 0.6),  # the top prediction
        TranscriptSegment: (0, 1500, None, None, 0.8),
        OcrText: (100, 900, None, None, 0.7),
    }
    assert facets == {
        envelopes[model].artifact_id: {
            "artifact_id": envelopes[model].artifact_id,
            **dict(zip(columns, values, strict=True)),
            **common,
        }
        for model, values in expected.items()
    } | {
        unclustered.artifact_id: {
            "artifact_id": unclustered.artifact_id,
            "start_ms": 2000,
            "end_ms": 2000,
            "label": None,
            "person": None,
            "confidence": 0.5,
            **common,
        }
    }
    texts = rows(db, artifact_text)
    assert {
        key: (row["text"], int(row["start_ms"]), int(row["end_ms"])) for key, row in texts.items()
    } == {
        envelopes[TranscriptSegment].artifact_id: ("the budget meeting", 0, 1500),
        envelopes[OcrText].artifact_id: ("EXIT only", 100, 900),
    }
    assert all((row["asset_id"], row["run_id"]) == (asset, run) for row in texts.values())
    # scenes and frame selections project nothing


def test_a_projected_value_no_table_holds_is_an_invalid_item(db: Database) -> None:
    asset, run = setup_video_and_run(db)
    long_label = make_envelope(detection(100, label="x" * 257), asset_id=asset, run_id=run)
    with pytest.raises(ArtifactBatchError) as caught, db.transaction() as session:
        write_artifacts(
            session, [make_envelope(detection(50), asset_id=asset, run_id=run), long_label]
        )
    assert (caught.value.index, caught.value.field) == (1, "payload.label")
    assert count(db, Artifact) == 0
    longest = make_envelope(detection(100, label="x" * 256), asset_id=asset, run_id=run)
    assert insert(db, [longest]) == 1


def test_delete_by_run_removes_projection_rows(db: Database) -> None:
    asset, run = setup_video_and_run(db)
    with db.transaction() as session:
        other_run = make_run(session, asset, status=RunStatus.SUCCEEDED).run_id
    mine = [make_envelope(p, asset_id=asset, run_id=run) for p in one_of_each_type()]
    theirs = [make_envelope(p, asset_id=asset, run_id=other_run) for p in one_of_each_type()]
    insert(db, mine + theirs)
    assert sum(count(db, table) for table in PROJECTION_TABLES) == 14  # 5 facets + 2 texts each

    with db.transaction() as session:
        assert ArtifactRepository(session).delete_by_run(run) == 7
        assert artifact_count(session, run) == 0
        assert artifact_count(session, other_run) == 7
    for table in PROJECTION_TABLES:
        assert {r["run_id"] for r in rows(db, table).values()} == {other_run}, table.name
    with db.transaction() as session:
        assert ArtifactRepository(session).delete_by_run(run) == 0
        assert ArtifactRepository(session).delete_by_run(other_run) == 7
    for table in [Artifact, *PROJECTION_TABLES]:
        assert count(db, table) == 0


# --- text search on the FTS projections -------------------------------------------------


def search(session: Session, run_id: str, word: str) -> set[str]:
    """The artifacts of one run whose projected text has the word."""
    if session.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT artifact_id FROM artifact_text"
            " WHERE tsv @@ plainto_tsquery('simple', :q) AND run_id = :run"
        )
        return set(session.scalars(text(query), {"q": word, "run": run_id}))
    query = "SELECT artifact_id FROM artifact_text WHERE artifact_text MATCH :q AND run_id = :run"
    return set(session.scalars(text(query), {"q": f'"{word}"', "run": run_id}))


def test_full_text_search_finds_the_segment_on_each_dialect(db: Database) -> None:
    asset, run = setup_video_and_run(db)
    with db.transaction() as session:
        budget_run = make_run(session, asset, status=RunStatus.SUCCEEDED).run_id
        ocr_run = make_run(session, asset, status=RunStatus.SUCCEEDED).run_id
    budget = make_envelope(
        segment(0, 900, "Review the Budget, then lunch"), asset_id=asset, run_id=budget_run
    )
    weather = make_envelope(segment(900, 1800, "weather report"), asset_id=asset, run_id=run)
    sign = make_envelope(ocr(0, 500, "BUDGET 2024"), asset_id=asset, run_id=ocr_run)
    exit_sign = make_envelope(ocr(500, 900, "EXIT"), asset_id=asset, run_id=ocr_run)
    insert(db, [budget, weather, sign, exit_sign])

    with db.sessions() as session:
        assert search(session, budget_run, "budget") == {budget.artifact_id}
        assert search(session, run, "weather") == {weather.artifact_id}
        assert search(session, run, "forecast") == set()
        assert search(session, ocr_run, "budget") == {sign.artifact_id}
        assert search(session, ocr_run, "exit") == {exit_sign.artifact_id}

    with db.transaction() as session:
        ArtifactRepository(session).delete_by_run(budget_run)
    with db.sessions() as session:
        assert search(session, budget_run, "budget") == set()
        assert search(session, ocr_run, "budget") == {sign.artifact_id}


# --- queries equal a brute-force filter --------------------------------------------------

SPAN_MS = 1000
QUERY_MS = st.integers(0, SPAN_MS + 100)
TYPES_FOR_QUERIES = [TranscriptSegment, Scene, ObjectDetection, OcrText]


def insert_one_run_per_type(
    db: Database, data: st.DataObject
) -> tuple[str, list[ArtifactEnvelope]]:
    """An asset with one succeeded run per artifact type, each owning random artifacts;
    plus a second asset holding artifacts that no query on the first may return."""
    clear_tables(db)
    drawn = data.draw(
        st.lists(
            st.sampled_from(TYPES_FOR_QUERIES).flatmap(lambda m: payloads_of(m, SPAN_MS)),
            max_size=25,
        ),
        label="payloads",
    )
    noise = data.draw(st.lists(payloads(SPAN_MS), max_size=3), label="other asset")
    with db.transaction() as session:
        asset = make_video(session).video_id
        other = make_video(session).video_id
        runs = {
            model.ARTIFACT_TYPE: make_run(
                session, asset, status=RunStatus.SUCCEEDED, artifact_type=model.ARTIFACT_TYPE
            ).run_id
            for model in TYPES_FOR_QUERIES
        }
        other_runs = {
            model.ARTIFACT_TYPE: make_run(
                session, other, status=RunStatus.SUCCEEDED, artifact_type=model.ARTIFACT_TYPE
            ).run_id
            for model in PAYLOAD_MODELS
        }
        envelopes = [make_envelope(p, asset_id=asset, run_id=runs[p.ARTIFACT_TYPE]) for p in drawn]
        noise_envelopes = [
            make_envelope(p, asset_id=other, run_id=other_runs[p.ARTIFACT_TYPE]) for p in noise
        ]
        write_artifacts(session, envelopes + noise_envelopes)
    return asset, envelopes


def in_time_order(envelopes: list[ArtifactEnvelope]) -> list[str]:
    ordered = sorted(envelopes, key=lambda e: (e.span_start_ms, e.artifact_id))
    return [e.artifact_id for e in ordered]


def in_window(
    envelope: ArtifactEnvelope, from_ms: int | None, to_ms: int | None, overlap: bool
) -> bool:
    """Brute force: the start in [from, to], or with ``overlap`` the span and the window
    sharing at least one instant (both closed intervals)."""
    low = -1 if from_ms is None else from_ms
    high = SPAN_MS * 10 if to_ms is None else to_ms
    if not overlap:
        return low <= envelope.span_start_ms <= high
    return max(envelope.span_start_ms, low) <= min(envelope.span_end_ms, high)


@DB_PROPERTY
@given(data=st.data())
def test_get_by_asset_equals_brute_force_filter(db: Database, data: st.DataObject) -> None:
    asset, envelopes = insert_one_run_per_type(db, data)
    from_ms = data.draw(st.none() | QUERY_MS, label="from_ms")
    to_ms = data.draw(st.none() | QUERY_MS, label="to_ms")
    overlap = data.draw(st.booleans(), label="overlap")
    artifact_type = data.draw(st.none() | st.sampled_from(TYPES_FOR_QUERIES), label="type")
    limit = data.draw(st.none() | st.integers(0, 30), label="limit")

    expected = in_time_order(
        [
            e
            for e in envelopes
            if (artifact_type is None or e.artifact_type == artifact_type.ARTIFACT_TYPE)
            and in_window(e, from_ms, to_ms, overlap)
        ]
    )
    with db.sessions() as session:
        found = ArtifactRepository(session).get_by_asset(
            asset,
            artifact_type=None if artifact_type is None else artifact_type.ARTIFACT_TYPE,
            from_ms=from_ms,
            to_ms=to_ms,
            overlap=overlap,
            limit=limit,
        )
    assert [e.artifact_id for e in found] == (expected if limit is None else expected[:limit])


@pytest.mark.parametrize(
    ("from_ms", "to_ms", "starting", "overlapping"),
    [
        (2500, 3000, False, True),  # inside the scene: only overlap finds it
        (1000, 2500, True, True),
        (3600, 4000, False, True),  # the window starts where the scene ends
        (0, 2000, True, True),  # the window ends where the scene starts
        (3601, 9000, False, False),
        (0, 1999, False, False),
        (None, 2500, True, True),
        (3000, None, False, True),
        (None, None, True, True),
    ],
)
def test_a_scene_and_a_window_by_start_and_by_overlap(
    db: Database,
    from_ms: int | None,
    to_ms: int | None,
    starting: bool,
    overlapping: bool,
) -> None:
    asset, run = setup_video_and_run(db, artifact_type="scene")
    scene = make_envelope(
        Scene(start_ms=2000, end_ms=3600, scene_index=0, start_frame=50, end_frame=90),
        asset_id=asset,
        run_id=run,
    )
    insert(db, [scene])
    with db.sessions() as session:
        repository = ArtifactRepository(session)
        found = {
            overlap: [
                e.artifact_id
                for e in repository.get_by_asset(
                    asset, from_ms=from_ms, to_ms=to_ms, overlap=overlap
                )
            ]
            for overlap in (False, True)
        }
    assert found == {
        False: [scene.artifact_id] if starting else [],
        True: [scene.artifact_id] if overlapping else [],
    }


def test_get_one_artifact_by_id(db: Database) -> None:
    asset, run = setup_video_and_run(db)
    envelopes = [make_envelope(p, asset_id=asset, run_id=run) for p in one_of_each_type()]
    insert(db, envelopes)
    with db.sessions() as session:
        repository = ArtifactRepository(session)
        assert repository.get(envelopes[1].artifact_id) == normalized(envelopes[1])
        assert repository.get("no-such-artifact") is None


# --- stored envelopes round-trip ----------------------------------------------------------


@DB_PROPERTY
@given(drawn=st.lists(payloads(), min_size=1, max_size=8))
def test_stored_envelopes_are_what_was_inserted(db: Database, drawn: list[Payload]) -> None:
    clear_tables(db)
    asset, run = setup_video_and_run(db)
    envelopes = [make_envelope(p, asset_id=asset, run_id=run) for p in drawn]
    insert(db, envelopes)
    with db.sessions() as session:
        stored = ArtifactRepository(session).get_by_asset(asset, run_id=run)
    ordered = sorted(envelopes, key=lambda e: (e.span_start_ms, e.artifact_id))
    assert stored == [normalized(envelope) for envelope in ordered]
    assert all(envelope.created_at.utcoffset() is not None for envelope in stored)


@pytest.mark.parametrize("overlap", [False, True])
def test_an_empty_window_overlaps_nothing(db: Database, overlap: bool) -> None:
    # found by the property above: [0, 1] met the window from 1 to 0 by its two ends
    asset, run = setup_video_and_run(db)
    insert(db, [make_envelope(ocr(0, 1, "EXIT"), asset_id=asset, run_id=run)])
    with db.sessions() as session:
        repository = ArtifactRepository(session)
        window = {"run_id": run, "overlap": overlap}
        assert repository.get_by_asset(asset, from_ms=1, to_ms=0, **window) == []
        assert len(repository.get_by_asset(asset, from_ms=1, to_ms=1, **window)) == overlap
