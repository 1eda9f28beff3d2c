"""The vocabulary of navigation queries."""

from enum import StrEnum

from schemas import payloads


class JumpKind(StrEnum):
    SCENE = "scene"
    TRANSCRIPT = "transcript"
    OBJECT = "object"
    FACE = "face"
    PLACE = "place"
    OCR = "ocr"
    FRAME = "frame"


class Direction(StrEnum):
    NEXT = "next"
    PREV = "prev"


class TextSource(StrEnum):
    TRANSCRIPT = "transcript"
    OCR = "ocr"
    ALL = "all"


ARTIFACT_TYPE_OF_KIND: dict[JumpKind, str] = {
    JumpKind.SCENE: payloads.Scene.ARTIFACT_TYPE,
    JumpKind.TRANSCRIPT: payloads.TranscriptSegment.ARTIFACT_TYPE,
    JumpKind.OBJECT: payloads.ObjectDetection.ARTIFACT_TYPE,
    JumpKind.FACE: payloads.FaceDetection.ARTIFACT_TYPE,
    JumpKind.PLACE: payloads.PlaceClassification.ARTIFACT_TYPE,
    JumpKind.OCR: payloads.OcrText.ARTIFACT_TYPE,
    JumpKind.FRAME: payloads.FrameSelection.ARTIFACT_TYPE,
}

ARTIFACT_TYPE_OF_SOURCE: dict[TextSource, str] = {
    TextSource.TRANSCRIPT: payloads.TranscriptSegment.ARTIFACT_TYPE,
    TextSource.OCR: payloads.OcrText.ARTIFACT_TYPE,
}


class QueryParameterError(ValueError):
    """A parameter that does not apply to the query; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
