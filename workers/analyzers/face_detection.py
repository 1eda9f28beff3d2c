"""Faces on one RGB image: detector boxes, 5-point landmarks and 128-d embeddings, all in
the image's own pixel coordinates (mapping to the source video is the caller's job)."""

import math
from dataclasses import dataclass

import numpy as np

from workers.analyzers.face_models import FaceModels

EMBEDDING_SIZE = 128


@dataclass(frozen=True)
class ImageFace:
    """Box edges as continuous coordinates (a box may reach past the image border);
    landmarks at pixel centres."""

    left: float
    top: float
    right: float
    bottom: float
    landmarks: tuple[tuple[float, float], ...]
    score: float
    embedding: np.ndarray


def score_to_confidence(score: float) -> float:
    """Both dlib detectors return an SVM-style margin: 0 is the detector's own decision
    boundary and useful detections rarely exceed ~2.5. A logistic curve puts the boundary
    at 0.5 and a margin of 1 at ~0.88, 2 at ~0.98, keeping the order of the scores."""
    if score < 0:  # the same curve, written so exp never overflows
        odds = math.exp(2.0 * score)
        return odds / (1.0 + odds)
    return 1.0 / (1.0 + math.exp(-2.0 * score))


def detect_faces(
    models: FaceModels,
    image: np.ndarray,
    *,
    upsample: int = 0,
    score_threshold: float = 0.0,
    jitters: int = 0,
) -> list[ImageFace]:
    """Faces on ``image`` (RGB uint8, HxWx3), left to right."""
    import dlib

    image = np.ascontiguousarray(image, dtype=np.uint8)
    if models.detector_kind == "cnn":
        found = models.detector(image, upsample)
        boxes = [(item.rect, float(item.confidence)) for item in found]
        boxes = [(rect, score) for rect, score in boxes if score >= score_threshold]
    else:
        rects, scores, _ = models.detector.run(image, upsample, score_threshold)
        boxes = list(zip(rects, (float(score) for score in scores), strict=True))
    if not boxes:
        return []
    shapes = dlib.full_object_detections()
    for rect, _ in boxes:
        shapes.append(models.landmarks(image, rect))
    descriptors = models.recognizer.compute_face_descriptor(image, shapes, jitters)
    faces = [
        ImageFace(
            left=float(rect.left()),
            top=float(rect.top()),
            right=float(rect.right() + 1),  # dlib's right/bottom are inclusive pixel indices
            bottom=float(rect.bottom() + 1),
            landmarks=tuple((point.x + 0.5, point.y + 0.5) for point in shape.parts()),
            score=score,
            embedding=np.array(descriptor, dtype=np.float64),
        )
        for (rect, score), shape, descriptor in zip(boxes, shapes, descriptors, strict=True)
    ]
    return sorted(faces, key=lambda face: (face.left, face.top))
