"""The vocabulary of navigation queries."""

from enum import StrEnum


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
    JumpKind.SCENE: "scene",
    JumpKind.TRANSCRIPT: "transcript.segment",
    JumpKind.OBJECT: "object.detection",
    JumpKind.FACE: "face.detection",
    JumpKind.PLACE: "place.classification",
    JumpKind.OCR: "ocr.text",
}

ARTIFACT_TYPE_OF_SOURCE: dict[TextSource, str] = {
    TextSource.TRANSCRIPT: "transcript.segment",
    TextSource.OCR: "ocr.text",
}


class QueryParameterError(ValueError):
    """A parameter that does not apply to the query; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
