"""Hypothesis strategies producing valid instances of every payload model."""

from typing import Any

from hypothesis import strategies as st

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
    Word,
)
from tests.support.factories import INSTALLED

MAX_MS = 10**9
"""Default upper bound for times: large, but every value fits the BIGINT columns."""

# No surrogates (not encodable) and no NUL (PostgreSQL text/JSONB cannot store it).
TEXT_ALPHABET = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
text = st.text(TEXT_ALPHABET, max_size=40)
non_empty_text = st.text(TEXT_ALPHABET, min_size=1, max_size=40)

# Finite floats only; bounded so they round-trip exactly through JSON and JSONB.
confidences = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
pixels = st.floats(0.0, 10_000.0, allow_nan=False, allow_infinity=False)
frame_indexes = st.integers(0, 10**6)  # also fits the INTEGER projection columns
small_ints = st.integers(0, 10_000)


def milliseconds(max_ms: int = MAX_MS) -> st.SearchStrategy[int]:
    return st.integers(0, max_ms)


def ordered_pair(values: st.SearchStrategy[int]) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(values, values).map(sorted).map(tuple)  # type: ignore[arg-type]


points = st.builds(Point, x=pixels, y=pixels)
bounding_boxes = st.builds(BoundingBox, x=pixels, y=pixels, width=pixels, height=pixels)


@st.composite
def words(draw: st.DrawFn, max_ms: int = MAX_MS) -> Word:
    start, end = draw(ordered_pair(milliseconds(max_ms)))
    return Word(word=draw(text), start_ms=start, end_ms=end, probability=draw(confidences))


@st.composite
def transcript_segments(draw: st.DrawFn, max_ms: int = MAX_MS) -> TranscriptSegment:
    start, end = draw(ordered_pair(milliseconds(max_ms)))
    return TranscriptSegment(
        start_ms=start,
        end_ms=end,
        text=draw(text),
        language=draw(st.text(TEXT_ALPHABET, min_size=2, max_size=16)),
        confidence=draw(confidences),
        words=draw(st.lists(words(max_ms), max_size=4)),
    )


@st.composite
def scenes(draw: st.DrawFn, max_ms: int = MAX_MS) -> Scene:
    start, end = draw(ordered_pair(milliseconds(max_ms)))
    start_frame, end_frame = draw(ordered_pair(frame_indexes))
    return Scene(
        start_ms=start,
        end_ms=end,
        scene_index=draw(frame_indexes),
        start_frame=start_frame,
        end_frame=end_frame,
    )


def object_detections(max_ms: int = MAX_MS) -> st.SearchStrategy[ObjectDetection]:
    return st.builds(
        ObjectDetection,
        frame_index=frame_indexes,
        timestamp_ms=milliseconds(max_ms),
        label=non_empty_text,
        class_id=small_ints,
        confidence=confidences,
        bbox=bounding_boxes,
        track_id=st.none() | small_ints,
    )


def face_detections(max_ms: int = MAX_MS) -> st.SearchStrategy[FaceDetection]:
    return st.builds(
        FaceDetection,
        frame_index=frame_indexes,
        timestamp_ms=milliseconds(max_ms),
        confidence=confidences,
        bbox=bounding_boxes,
        landmarks=st.lists(points, max_size=5),
        cluster_id=st.none() | small_ints,
    )


place_predictions = st.builds(
    PlacePrediction, label=non_empty_text, class_index=st.integers(0, 364), confidence=confidences
)


def place_classifications(max_ms: int = MAX_MS) -> st.SearchStrategy[PlaceClassification]:
    return st.builds(
        PlaceClassification,
        frame_index=frame_indexes,
        timestamp_ms=milliseconds(max_ms),
        predictions=st.lists(place_predictions, min_size=1, max_size=5),
    )


@st.composite
def ocr_texts(draw: st.DrawFn, max_ms: int = MAX_MS) -> OcrText:
    start, end = draw(ordered_pair(milliseconds(max_ms)))
    return OcrText(
        start_ms=start,
        end_ms=end,
        text=draw(non_empty_text),
        confidence=draw(confidences),
        polygon=draw(st.lists(points, min_size=3, max_size=6)),
    )


def frame_selections(max_ms: int = MAX_MS) -> st.SearchStrategy[FrameSelection]:
    return st.builds(
        FrameSelection,
        frame_index=frame_indexes,
        timestamp_ms=milliseconds(max_ms),
        kind=st.sampled_from(FrameKind),
        score=confidences,
    )


STRATEGY_FACTORIES: dict[type[Payload], Any] = {
    TranscriptSegment: transcript_segments,
    Scene: scenes,
    ObjectDetection: object_detections,
    FaceDetection: face_detections,
    PlaceClassification: place_classifications,
    OcrText: ocr_texts,
    FrameSelection: frame_selections,
}


def payloads_of(model: type[Payload], max_ms: int = MAX_MS) -> st.SearchStrategy[Payload]:
    """Valid instances of one payload model, with every time in [0, max_ms]."""
    return STRATEGY_FACTORIES[model](max_ms)  # type: ignore[no-any-return]


def payloads(max_ms: int = MAX_MS) -> st.SearchStrategy[Payload]:
    """Valid instances of any payload model of the installed analyzers."""
    return st.one_of([payloads_of(model, max_ms) for model in installed_models()])


def installed_models() -> list[type[Payload]]:
    """Every payload model the installed analyzers declare, each schema version's."""
    registry = INSTALLED.registry
    return [registry.get_schema(name, version) for name, version in registry.registered()]
