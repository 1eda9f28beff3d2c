"""The vocabulary of navigation queries."""

from enum import StrEnum

from schemas.payloads import (
    FaceDetection,
    ObjectDetection,
    OcrText,
    PlaceClassification,
    Scene,
    TranscriptSegment,
)


class JumpKind(StrEnum):
    SCENE = "scene"
    TRANSCRIPT = "transcript"
    OBJECT = "object"
    FACE = "face"
    PLACE = "place"
    OCR = "ocr"


class Direction(StrEnum):
    NEXT = "next"
    PREV = "prev"


class TextSource(StrEnum):
    TRANSCRIPT = "transcript"
    OCR = "ocr"
    ALL = "all"


ARTIFACT_TYPE_OF_KIND: dict[JumpKind, str] = {
    JumpKind.SCENE: Scene.ARTIFACT_TYPE,
    JumpKind.TRANSCRIPT: TranscriptSegment.ARTIFACT_TYPE,
    JumpKind.OBJECT: ObjectDetection.ARTIFACT_TYPE,
    JumpKind.FACE: FaceDetection.ARTIFACT_TYPE,
    JumpKind.PLACE: PlaceClassification.ARTIFACT_TYPE,
    JumpKind.OCR: OcrText.ARTIFACT_TYPE,
}

ARTIFACT_TYPE_OF_SOURCE: dict[TextSource, str] = {
    TextSource.TRANSCRIPT: TranscriptSegment.ARTIFACT_TYPE,
    TextSource.OCR: OcrText.ARTIFACT_TYPE,
}


class QueryParameterError(ValueError):
    """A parameter that does not apply to the query; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
