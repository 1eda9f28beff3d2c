"""Hypothesis strategies producing valid instances of every payload model."""

from enum import Enum
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from schemas.base import BoundingBox, Payload, Point
from schemas.payloads import (
    FaceDetection,
    FrameKind,
    FrameSelection,
    ObjectDetection,
    OcrText,
    OcrVariant,
    OcrWord,
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


polygons = st.lists(points, min_size=3, max_size=6)
ocr_words = st.builds(OcrWord, text=non_empty_text, confidence=confidences, polygon=polygons)
ocr_variants = st.builds(OcrVariant, text=non_empty_text, count=st.integers(1, 10_000))


@st.composite
def ocr_texts(draw: st.DrawFn, max_ms: int = MAX_MS) -> OcrText:
    start, end = draw(ordered_pair(milliseconds(max_ms)))
    return OcrText(
        start_ms=start,
        end_ms=end,
        text=draw(non_empty_text),
        confidence=draw(confidences),
        polygon=draw(polygons),
        words=draw(st.lists(ocr_words, max_size=4)),
        variants=draw(st.lists(ocr_variants, max_size=4)),
        reads=draw(st.none() | st.integers(1, 10_000)),
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
    """Valid instances of one payload model, with every time in [0, max_ms] (for a model no
    hand-written strategy covers, a plugin's: any valid instance)."""
    factory = STRATEGY_FACTORIES.get(model)
    if factory is None:
        return derived_payloads(model)
    return factory(max_ms)  # type: ignore[no-any-return]


def derived_payloads(model: type[Payload]) -> st.SearchStrategy[Payload]:
    """Instances built from the model's fields and their bounds; the drafts the model
    refuses (a rule across fields, a pattern) are filtered out."""

    def valid(document: dict[str, Any]) -> bool:
        try:
            model.model_validate(document)
        except ValueError:
            return False
        return True

    return _document(model).filter(valid).map(model.model_validate)


def _document(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    required, optional = {}, {}
    for name, info in model.model_fields.items():
        drawn = _value(info.annotation, info.metadata)
        (required if info.is_required() else optional)[name] = drawn
    return st.fixed_dictionaries(required, optional=optional)


def _value(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _value(arguments[0], [*metadata, *_constraints(arguments[1:])])
    if annotation is type(None):
        return st.none()
    if origin in (Union, UnionType):
        return st.one_of([_value(argument, metadata) for argument in arguments])
    if origin is Literal:
        return st.sampled_from(arguments)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from([member.value for member in annotation])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _document(annotation)
    low, high = _bound(metadata, "min_length", 0), _bound(metadata, "max_length", 6)
    if origin is list:
        return st.lists(_value(arguments[0], []), min_size=low, max_size=min(high, low + 6))
    if annotation is bool:
        return st.booleans()
    if annotation is str:
        return st.text(TEXT_ALPHABET, min_size=low, max_size=min(high, low + 40))
    lowest = _bound(metadata, "ge", _bound(metadata, "gt", -(10**6)))
    highest = _bound(metadata, "le", _bound(metadata, "lt", 10**6))
    if annotation is int:
        return st.integers(int(lowest), int(min(highest, 10**9)))
    if annotation is float:
        return st.floats(float(lowest), float(highest), allow_nan=False, allow_infinity=False)
    raise TypeError(f"no strategy for {annotation!r}: write one in STRATEGY_FACTORIES")


def _constraints(extras: tuple[Any, ...]) -> list[Any]:
    """The constraints inside an ``Annotated``: pydantic's ``Field(...)`` carries its own."""
    found: list[Any] = []
    for extra in extras:
        found += extra.metadata if isinstance(extra, FieldInfo) else [extra]
    return found


def _bound(metadata: list[Any], name: str, default: Any) -> Any:
    values = [getattr(item, name) for item in metadata if getattr(item, name, None) is not None]
    return values[-1] if values else default


def payloads(max_ms: int = MAX_MS) -> st.SearchStrategy[Payload]:
    """Valid instances of any payload model of the installed analyzers."""
    return st.one_of([payloads_of(model, max_ms) for model in installed_models()])


def installed_models() -> list[type[Payload]]:
    """Every payload model the installed analyzers declare, each schema version's."""
    registry = INSTALLED.registry
    return [registry.get_schema(name, version) for name, version in registry.registered()]
