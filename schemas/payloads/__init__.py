"""v1 payload models, one module per artifact type."""

from schemas.base import Payload
from schemas.payloads.faces import FaceDetection
from schemas.payloads.frames import FrameKind, FrameSelection
from schemas.payloads.metadata import VideoMetadata
from schemas.payloads.objects import ObjectDetection
from schemas.payloads.ocr import OcrText
from schemas.payloads.places import PlaceClassification, PlacePrediction
from schemas.payloads.scene import Scene
from schemas.payloads.transcript import TranscriptSegment, Word

PAYLOAD_MODELS: tuple[type[Payload], ...] = (
    TranscriptSegment,
    Scene,
    ObjectDetection,
    FaceDetection,
    PlaceClassification,
    OcrText,
    FrameSelection,
    VideoMetadata,
)

__all__ = [
    "PAYLOAD_MODELS",
    "FaceDetection",
    "FrameKind",
    "FrameSelection",
    "ObjectDetection",
    "OcrText",
    "PlaceClassification",
    "PlacePrediction",
    "Scene",
    "TranscriptSegment",
    "VideoMetadata",
    "Word",
]
