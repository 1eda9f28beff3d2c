"""v1 payload models of the built-in analyzers, one module per artifact type. Which
models are registered is the analyzers' declarations' business
(pipeline/analysis/declarations.py), not this package's."""

from schemas.payloads.faces import FaceDetection
from schemas.payloads.frames import FrameKind, FrameSelection
from schemas.payloads.objects import ObjectDetection
from schemas.payloads.ocr import OcrText, OcrVariant, OcrWord
from schemas.payloads.places import PlaceClassification, PlacePrediction
from schemas.payloads.scene import Scene
from schemas.payloads.transcript import TranscriptSegment, Word

__all__ = [
    "FaceDetection",
    "FrameKind",
    "FrameSelection",
    "ObjectDetection",
    "OcrText",
    "OcrVariant",
    "OcrWord",
    "PlaceClassification",
    "PlacePrediction",
    "Scene",
    "TranscriptSegment",
    "Word",
]
