"""Turn per-sample text detections into spans: the same text seen on consecutive samples
becomes one OcrText from the first sample it was seen on to the last."""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from schemas.base import Point
from schemas.payloads import OcrText


@dataclass(frozen=True)
class TextDetection:
    """One piece of text read on one sampled frame; polygon in the frame as displayed."""

    text: str
    confidence: float
    polygon: tuple[tuple[float, float], ...]

    @property
    def key(self) -> str:
        """What counts as the same text: case and whitespace are ignored."""
        return " ".join(self.text.split()).casefold()

    @property
    def centre(self) -> tuple[float, float]:
        xs, ys = zip(*self.polygon, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)


@dataclass
class _Track:
    first_ms: int
    last_ms: int
    best: TextDetection  # the representative: the most confident reading
    latest: TextDetection

    def extend(self, timestamp_ms: int, detection: TextDetection) -> None:
        self.last_ms = timestamp_ms
        self.latest = detection
        if detection.confidence > self.best.confidence:
            self.best = detection

    def payload(self) -> OcrText:
        return OcrText(
            start_ms=self.first_ms,
            end_ms=self.last_ms,
            text=" ".join(self.best.text.split()),
            confidence=self.best.confidence,
            polygon=[Point(x=x, y=y) for x, y in self.best.polygon],
        )


class TextTracker:
    """Feed it the detections of each sample in time order; it yields every span as soon
    as its text is missing from a sample, and the rest on ``finish()``."""

    def __init__(self) -> None:
        self._open: list[_Track] = []

    def observe(self, timestamp_ms: int, detections: Sequence[TextDetection]) -> Iterator[OcrText]:
        unmatched = list(self._open)
        continued: list[_Track] = []
        for detection in detections:
            if not detection.key:
                continue
            track = _nearest(detection, [t for t in unmatched if t.best.key == detection.key])
            if track is None:
                track = _Track(timestamp_ms, timestamp_ms, detection, detection)
            else:
                unmatched.remove(track)
                track.extend(timestamp_ms, detection)
            continued.append(track)
        self._open = continued
        for track in sorted(unmatched, key=lambda t: t.first_ms):
            yield track.payload()

    def finish(self) -> Iterator[OcrText]:
        tracks, self._open = self._open, []
        for track in sorted(tracks, key=lambda t: t.first_ms):
            yield track.payload()


def _nearest(detection: TextDetection, tracks: list[_Track]) -> _Track | None:
    """Of the open tracks with the same text, the one last seen closest to it (the same
    caption twice on screen stays two tracks)."""
    x, y = detection.centre
    return min(
        tracks,
        key=lambda t: math.dist((x, y), t.latest.centre),
        default=None,
    )
