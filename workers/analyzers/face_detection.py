"""Faces on one RGB image: detector boxes, 5-point landmarks and 128-d embeddings, all in
the image's own pixel coordinates (mapping to the source video is the caller's job)."""

import math
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class FaceSearch:
    """How the detectors search one analysed frame.

    dlib's detectors find faces from about 80 px up, so the size a frame is searched at
    decides the smallest face found, and the cost. HOG searches the frame at ``max_side``:
    a smaller frame (a video smaller than the profile's frames, whose faces are small in
    pixels) is doubled as many times as it fits, at no more than the cost of a frame of
    the profile's size; then doubled ``upsample`` more times (about four times the cost
    each) for smaller faces. The CNN, many times slower, searches the frame at
    ``cnn_side`` (None: ``max_side``), scaled down or doubled to it the same way, and
    ``upsample`` more times only when it runs alone: beside HOG, which finds the small
    frontal faces cheaply, it looks for the turned faces HOG misses. ``None`` sides: the
    frame as it is."""

    upsample: int = 0
    max_side: int | None = None
    cnn_side: int | None = None
    score_threshold: float = 0.0


# A HOG box overlapping a CNN box this much (IoU) is the same face: dlib's boxes of one
# face agree far better (0.8-0.9 on tests/data/zidane.jpg), two faces never overlap so.
SAME_FACE_IOU = 0.3


@dataclass(frozen=True)
class _Box:
    """A detector's box as continuous edges in the analysed image, with its margin."""

    left: float
    top: float
    right: float
    bottom: float
    score: float

    def iou(self, other: "_Box") -> float:
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        inside = max(width, 0.0) * max(height, 0.0)
        union = self.area + other.area - inside
        return inside / union if union > 0 else 0.0

    @property
    def area(self) -> float:
        return (self.right - self.left) * (self.bottom - self.top)

    def scaled(self, x: float, y: float) -> "_Box":
        return _Box(self.left * x, self.top * y, self.right * x, self.bottom * y, self.score)


def detect_faces(
    models: FaceModels,
    image: np.ndarray,
    search: FaceSearch = FaceSearch(),
    *,
    jitters: int = 0,
) -> list[ImageFace]:
    """Faces on ``image`` (RGB uint8, HxWx3), left to right: those the CNN finds, and
    those HOG finds that the CNN did not."""
    import dlib

    image = np.ascontiguousarray(image, dtype=np.uint8)
    boxes = [] if models.cnn is None else _cnn_boxes(models, image, search)
    if models.hog is not None:
        boxes += [
            box
            for box in _hog_boxes(models.hog, image, search)
            if all(box.iou(kept) < SAME_FACE_IOU for kept in boxes)
        ]
    if not boxes:
        return []
    shapes = dlib.full_object_detections()
    for box in boxes:
        rect = dlib.rectangle(
            round(box.left), round(box.top), round(box.right) - 1, round(box.bottom) - 1
        )
        shapes.append(models.landmarks(image, rect))
    descriptors = models.recognizer.compute_face_descriptor(image, shapes, jitters)
    faces = [
        ImageFace(
            left=box.left,
            top=box.top,
            right=box.right,
            bottom=box.bottom,
            landmarks=tuple((point.x + 0.5, point.y + 0.5) for point in shape.parts()),
            score=box.score,
            embedding=np.array(descriptor, dtype=np.float64),
        )
        for box, shape, descriptor in zip(boxes, shapes, descriptors, strict=True)
    ]
    return sorted(faces, key=lambda face: (face.left, face.top))


def _hog_boxes(detector: Any, image: np.ndarray, search: FaceSearch) -> list[_Box]:
    searched, doublings, scale_x, scale_y = _fitted(image, search.max_side)
    rects, scores, _ = detector.run(searched, doublings + search.upsample, search.score_threshold)
    boxes = (_edges(rect, float(score)) for rect, score in zip(rects, scores, strict=True))
    return [box.scaled(scale_x, scale_y) for box in boxes]


def _cnn_boxes(models: FaceModels, image: np.ndarray, search: FaceSearch) -> list[_Box]:
    searched, doublings, scale_x, scale_y = _fitted(image, search.cnn_side or search.max_side)
    upsample = search.upsample if models.hog is None else 0
    found = models.cnn(searched, doublings + upsample)
    boxes = (_edges(item.rect, float(item.confidence)) for item in found)
    return [box.scaled(scale_x, scale_y) for box in boxes if box.score >= search.score_threshold]


def _fitted(image: np.ndarray, side: int | None) -> tuple[np.ndarray, int, float, float]:
    """``image`` fitted to ``side``: scaled down to it when larger, else the times it can
    be doubled within it; and the factors that bring the scaled image's coordinates back.
    Doubling is dlib's own ``pyramid_up``: HOG's margins on an upscaled frame swing with
    the factor (the demo's face: 0.68 doubled, 0.16 at 3x), and doubled they held up."""
    from pipeline.media.frames import scaled_down

    longest = max(image.shape[:2])
    if side is None:
        return image, 0, 1.0, 1.0
    if longest > side:
        searched = np.ascontiguousarray(scaled_down(image, side))
        return searched, 0, image.shape[1] / searched.shape[1], image.shape[0] / searched.shape[0]
    doublings = 0
    while longest * 2 ** (doublings + 1) <= side:
        doublings += 1
    return image, doublings, 1.0, 1.0


def _edges(rect: Any, score: float) -> _Box:
    # dlib's right/bottom are inclusive pixel indices
    return _Box(rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1, score)
