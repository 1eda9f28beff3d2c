"""Payload models, the envelope and the schema registry (no database)."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import (
    ENVELOPE_FIELDS,
    ArtifactEnvelope,
    PayloadValidationError,
    SchemaNotFoundError,
    SchemaRegistry,
)
from schemas.base import Payload
from schemas.payloads import FrameKind, ObjectDetection, OcrText, Scene
from tests.support.factories import INSTALLED, make_envelope
from tests.support.strategies import STRATEGY_FACTORIES, installed_models, payloads, payloads_of

REGISTRY = INSTALLED.registry
REGISTERED = REGISTRY.registered()
PAYLOAD_MODELS = installed_models()
MODEL_IDS = [model.ARTIFACT_TYPE for model in PAYLOAD_MODELS]


def test_every_payload_model_is_registered_and_has_a_strategy() -> None:
    assert sorted((m.ARTIFACT_TYPE, m.SCHEMA_VERSION) for m in PAYLOAD_MODELS) == REGISTERED
    assert set(STRATEGY_FACTORIES) == set(PAYLOAD_MODELS)
    assert {t for t, _ in REGISTERED} == {
        "transcript.segment",
        "scene",
        "object.detection",
        "face.detection",
        "place.classification",
        "ocr.text",
        "frame.selection",
    }


# --- registry lookup -------------------------------------------------------------------


@given(st.sampled_from(REGISTERED))
def test_get_schema_returns_the_model_registered_for_type_and_version(
    key: tuple[str, int],
) -> None:
    artifact_type, version = key
    model = REGISTRY.get_schema(artifact_type, version)
    assert model in PAYLOAD_MODELS
    assert model.ARTIFACT_TYPE == artifact_type
    assert model.SCHEMA_VERSION == version


@given(
    st.one_of(st.text(max_size=30), st.sampled_from([t for t, _ in REGISTERED])),
    st.integers(-(2**40), 2**40),
)
def test_get_schema_of_an_unregistered_key_raises_schema_not_found(
    artifact_type: str, version: int
) -> None:
    if (artifact_type, version) in REGISTERED:
        version += 1000
    with pytest.raises(SchemaNotFoundError) as caught:
        REGISTRY.get_schema(artifact_type, version)
    assert caught.value.artifact_type == artifact_type
    assert caught.value.version == version
    with pytest.raises(SchemaNotFoundError):
        REGISTRY.validate(artifact_type, version, {})


def test_registering_a_second_model_under_a_taken_key_is_refused() -> None:
    registry = SchemaRegistry()
    registry.register("scene", 1, Scene)
    registry.register("scene", 1, Scene)  # the same model again is a no-op
    with pytest.raises(ValueError, match="already registered"):
        registry.register("scene", 1, ObjectDetection)
    assert registry.get_schema("scene", 1) is Scene
    assert registry.registered() == [("scene", 1)]


# --- payload round trip ----------------------------------------------------------------


@pytest.mark.parametrize("model", PAYLOAD_MODELS, ids=MODEL_IDS)
@given(data=st.data())
def test_payload_round_trips_through_json(model: type[Payload], data: st.DataObject) -> None:
    payload = data.draw(payloads_of(model))
    assert type(payload) is model
    assert model.model_validate_json(payload.model_dump_json()) == payload
    as_json = payload.model_dump(mode="json")
    assert REGISTRY.validate(model.ARTIFACT_TYPE, model.SCHEMA_VERSION, as_json) == payload


# --- envelope --------------------------------------------------------------------------


def test_envelope_carries_every_designed_field() -> None:
    assert ENVELOPE_FIELDS == tuple(ArtifactEnvelope.model_fields)
    assert set(ENVELOPE_FIELDS) >= {
        "artifact_id",
        "asset_id",
        "artifact_type",
        "schema_version",
        "span_start_ms",
        "span_end_ms",
        "payload",
        "producer",
        "producer_version",
        "model_profile",
        "config_hash",
        "input_hash",
        "run_id",
        "created_at",
    }


@given(payloads())
def test_envelope_from_any_payload_is_complete(payload: Payload) -> None:
    envelope = make_envelope(payload)
    dumped = envelope.model_dump()
    for field in ENVELOPE_FIELDS:
        assert field in dumped
        assert getattr(envelope, field) is not None, field
    assert (envelope.span_start_ms, envelope.span_end_ms) == payload.span_ms()
    assert envelope.artifact_type == payload.ARTIFACT_TYPE
    assert envelope.schema_version == payload.SCHEMA_VERSION
    assert envelope.created_at.utcoffset() is not None
    assert envelope.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert (
        REGISTRY.validate(envelope.artifact_type, envelope.schema_version, envelope.payload)
        == payload
    )


def _envelope_fields() -> dict[str, Any]:
    return {
        "artifact_id": "a" * 32,
        "asset_id": "b" * 32,
        "artifact_type": "scene",
        "schema_version": 1,
        "span_start_ms": 0,
        "span_end_ms": 10,
        "payload": {},
        "producer": "scenes",
        "producer_version": "1",
        "model_profile": "fast",
        "model_id": "scenedetect-adaptive",
        "config_hash": "c",
        "input_hash": "i",
        "run_id": "r" * 32,
        "created_at": datetime.now(UTC),
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"extra": 1}, "extra"),
        ({"span_start_ms": 11}, None),
        ({"span_start_ms": -1}, "span_start_ms"),
        ({"span_end_ms": 1.0}, "span_end_ms"),
        ({"schema_version": 0}, "schema_version"),
        ({"artifact_id": ""}, "artifact_id"),
        ({"run_id": None}, "run_id"),
    ],
    ids=["unknown", "start-after-end", "negative", "float-ms", "version-0", "empty-id", "no-run"],
)
def test_envelope_rejects_bad_fields(changes: dict[str, Any], field: str | None) -> None:
    ArtifactEnvelope(**_envelope_fields())  # the base is valid
    with pytest.raises(ValidationError) as caught:
        ArtifactEnvelope(**{**_envelope_fields(), **changes})
    if field is not None:
        assert caught.value.errors()[0]["loc"] == (field,)


# --- strictness ------------------------------------------------------------------------

BBOX = {"x": 1.0, "y": 2.0, "width": 30.0, "height": 40.0}
VALID: dict[str, dict[str, Any]] = {
    "transcript.segment": {
        "start_ms": 0,
        "end_ms": 1500,
        "text": "hello budget",
        "language": "en",
        "confidence": 0.9,
        "words": [{"word": "hello", "start_ms": 0, "end_ms": 500, "probability": 0.8}],
    },
    "scene": {"start_ms": 0, "end_ms": 4000, "scene_index": 0, "start_frame": 0, "end_frame": 100},
    "object.detection": {
        "frame_index": 12,
        "timestamp_ms": 480,
        "label": "person",
        "class_id": 0,
        "confidence": 0.75,
        "bbox": BBOX,
        "track_id": 3,
    },
    "face.detection": {
        "frame_index": 12,
        "timestamp_ms": 480,
        "confidence": 0.99,
        "bbox": BBOX,
        "landmarks": [{"x": 5.0, "y": 6.0}],
        "cluster_id": 1,
    },
    "place.classification": {
        "frame_index": 0,
        "timestamp_ms": 0,
        "predictions": [{"label": "office", "class_index": 244, "confidence": 0.6}],
    },
    "ocr.text": {
        "start_ms": 100,
        "end_ms": 900,
        "text": "EXIT",
        "confidence": 0.5,
        "polygon": [{"x": 0.0, "y": 0.0}, {"x": 10.0, "y": 0.0}, {"x": 10.0, "y": 5.0}],
        "words": [
            {
                "text": "EXIT",
                "confidence": 0.5,
                "polygon": [{"x": 0.0, "y": 0.0}, {"x": 10.0, "y": 0.0}, {"x": 10.0, "y": 5.0}],
            }
        ],
        "variants": [{"text": "EXlT", "count": 2}],
        "reads": 3,
    },
    "frame.selection": {"frame_index": 3, "timestamp_ms": 120, "kind": "Dark", "score": 0.1},
}

MISSING = object()


def _changed(artifact_type: str, path: str, value: Any) -> dict[str, Any]:
    """A copy of the valid payload with the dotted ``path`` set to ``value`` (or removed)."""
    payload = copy.deepcopy(VALID[artifact_type])
    *parents, last = path.split(".")
    target: Any = payload
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key: Any = int(last) if isinstance(target, list) else last
    if value is MISSING:
        del target[key]
    else:
        target[key] = value
    return payload


# (artifact type, dotted path to change, new value, expected error field)
REJECTED: list[tuple[str, str, Any, str]] = [
    ("transcript.segment", "speaker", "A", "speaker"),
    ("object.detection", "bbox.depth", 1.0, "bbox.depth"),
    ("transcript.segment", "words.0.extra", 1, "words.0.extra"),
    ("transcript.segment", "start_ms", 1.0, "start_ms"),
    ("transcript.segment", "start_ms", "5", "start_ms"),
    ("transcript.segment", "end_ms", True, "end_ms"),
    ("scene", "end_ms", 4000.5, "end_ms"),
    ("object.detection", "timestamp_ms", 480.0, "timestamp_ms"),
    ("object.detection", "timestamp_ms", -1, "timestamp_ms"),
    ("object.detection", "frame_index", -1, "frame_index"),
    ("scene", "start_frame", -1, "start_frame"),
    ("frame.selection", "frame_index", "3", "frame_index"),
    ("object.detection", "confidence", 1.01, "confidence"),
    ("object.detection", "confidence", -0.01, "confidence"),
    ("face.detection", "confidence", 1.01, "confidence"),
    ("transcript.segment", "confidence", -0.01, "confidence"),
    ("transcript.segment", "words.0.probability", 1.01, "words.0.probability"),
    ("place.classification", "predictions.0.confidence", 1.01, "predictions.0.confidence"),
    ("frame.selection", "score", -0.01, "score"),
    ("object.detection", "bbox.width", -1.0, "bbox.width"),
    ("object.detection", "bbox.x", -0.5, "bbox.x"),
    ("face.detection", "bbox.height", -3, "bbox.height"),
    ("face.detection", "landmarks.0.y", -1.0, "landmarks.0.y"),
    ("ocr.text", "polygon.2.x", -1.0, "polygon.2.x"),
    ("transcript.segment", "start_ms", 1501, "end_ms"),
    ("ocr.text", "start_ms", 901, "end_ms"),
    ("scene", "start_frame", 101, "end_frame"),
    ("scene", "start_ms", 4001, "end_ms"),  # its frame check once replaced the span's
    ("transcript.segment", "words.0.start_ms", 501, "words.0.end_ms"),
    # values PostgreSQL could not store: non-finite numbers, NUL characters, huge integers
    ("object.detection", "bbox.x", float("inf"), "bbox.x"),
    ("object.detection", "confidence", float("nan"), "confidence"),
    ("transcript.segment", "text", "a\x00b", "text"),
    ("transcript.segment", "words.0.word", "\x00", "words.0.word"),
    ("ocr.text", "text", "EX\x00IT", "text"),
    ("scene", "scene_index", 2**31, "scene_index"),
    ("face.detection", "cluster_id", 2**31, "cluster_id"),
    ("object.detection", "class_id", 2**31, "class_id"),
    ("scene", "end_ms", 2**53, "end_ms"),
    # numbers given as text are refused like the integer fields are
    ("object.detection", "confidence", "0.5", "confidence"),
    ("object.detection", "bbox.width", "30", "bbox.width"),
    ("frame.selection", "kind", "dark", "kind"),
    ("frame.selection", "kind", "Blurry", "kind"),
    ("frame.selection", "kind", "", "kind"),
    ("ocr.text", "polygon.2", MISSING, "polygon"),
    ("ocr.text", "words.0.confidence", 1.5, "words.0.confidence"),
    ("ocr.text", "words.0.text", "", "words.0.text"),
    ("ocr.text", "words.0.polygon.2", MISSING, "words.0.polygon"),
    ("ocr.text", "variants.0.count", 0, "variants.0.count"),
    ("ocr.text", "variants.0.count", 2.0, "variants.0.count"),
    ("ocr.text", "reads", 0, "reads"),
    ("ocr.text", "text", "", "text"),
    ("ocr.text", "text", MISSING, "text"),
    ("place.classification", "predictions", [], "predictions"),
    ("place.classification", "predictions.0.label", "", "predictions.0.label"),
    ("transcript.segment", "language", "e", "language"),
    ("transcript.segment", "language", "x" * 17, "language"),
    ("object.detection", "label", "", "label"),
    ("object.detection", "class_id", -1, "class_id"),
    ("face.detection", "cluster_id", -1, "cluster_id"),
]


@pytest.mark.parametrize(
    ("artifact_type", "path", "value", "field"),
    REJECTED,
    ids=[f"{t}:{p}={'<missing>' if v is MISSING else repr(v)}"[:60] for t, p, v, _ in REJECTED],
)
def test_invalid_payload_is_rejected_with_the_failing_field(
    artifact_type: str, path: str, value: Any, field: str
) -> None:
    assert REGISTRY.validate(artifact_type, 1, VALID[artifact_type])  # base is valid
    model = REGISTRY.get_schema(artifact_type, 1)
    bad = _changed(artifact_type, path, value)
    with pytest.raises(ValidationError):
        model(**bad)
    with pytest.raises(PayloadValidationError) as caught:
        REGISTRY.validate(artifact_type, 1, bad)
    assert caught.value.artifact_type == artifact_type
    assert caught.value.message
    assert caught.value.field == field
    assert repr(field) in str(caught.value)


@pytest.mark.parametrize("kind", list(FrameKind))
def test_frame_selection_accepts_exactly_the_five_kinds(kind: FrameKind) -> None:
    payload = REGISTRY.validate(
        "frame.selection", 1, {**VALID["frame.selection"], "kind": kind.value}
    )
    assert payload.kind is kind  # type: ignore[attr-defined]
    assert {k.value for k in FrameKind} == {"Dark", "Bright", "Motion", "User", "Random"}


def test_payloads_are_immutable() -> None:
    payload = REGISTRY.validate("scene", 1, VALID["scene"])
    with pytest.raises(ValidationError):
        payload.start_ms = 5  # type: ignore[attr-defined]


def test_ocr_text_stored_before_lines_were_voted_still_reads() -> None:
    """Artifacts of ocr engine 2 and earlier have no words, variants or reads."""
    stored = {k: v for k, v in VALID["ocr.text"].items() if k not in ("words", "variants", "reads")}
    payload = REGISTRY.validate("ocr.text", 1, stored)
    assert isinstance(payload, OcrText)
    assert (payload.words, payload.variants, payload.reads) == ([], [], None)
