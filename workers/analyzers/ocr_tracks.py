"""Lines read on successive samples become spans: a line read again in the same place
with a similar text (OCR misreads vary from frame to frame) goes on, and when it has left
the screen it becomes one OcrText from the first sample it was read on to the last, its
text voted over all its reads (workers/analyzers/ocr_vote.py)."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from schemas.base import Point
from schemas.payloads import OcrText, OcrVariant, OcrWord
from workers.analyzers.ocr_lines import Box, TextLine
from workers.analyzers.ocr_vote import vote
from workers.analyzers.text_distance import text_distance

# a read at most this far (text_distance) from a line's latest read is the line read again
SAME_LINE = 0.5
# and its box must cover at least this share of the smaller of the two boxes
MIN_BOX_OVERLAP = 0.5
# the variants a payload keeps, most frequent first (a line on screen for an hour has many)
MAX_VARIANTS = 20


@dataclass
class _Track:
    first_ms: int
    last_ms: int
    reads: list[TextLine]
    missed: int = field(default=0)

    @property
    def latest(self) -> TextLine:
        return self.reads[-1]

    def extend(self, timestamp_ms: int, line: TextLine) -> None:
        self.last_ms = timestamp_ms
        self.reads.append(line)
        self.missed = 0


class TextTracker:
    """Feed it the lines of each sample in time order; it yields every span once its line
    has been missing from more than ``missed_samples`` samples in a row, and the rest on
    ``finish()``. A line read on one sample only is dropped below
    ``single_read_confidence``: text that flickers up once, unsurely, is noise."""

    def __init__(self, missed_samples: int = 0, single_read_confidence: float = 0.0) -> None:
        self._open: list[_Track] = []
        self._missed_samples = missed_samples
        self._single_read_confidence = single_read_confidence

    def observe(self, timestamp_ms: int, lines: Sequence[TextLine]) -> Iterator[OcrText]:
        matched_tracks: set[int] = set()
        matched_lines: set[int] = set()
        for _, _, t, n in _candidates(self._open, lines):
            if t not in matched_tracks and n not in matched_lines:
                matched_tracks.add(t)
                matched_lines.add(n)
                self._open[t].extend(timestamp_ms, lines[n])
        closed = []
        for t, track in enumerate(self._open):
            if t not in matched_tracks:
                track.missed += 1
                if track.missed > self._missed_samples:
                    closed.append(track)
        self._open = [track for track in self._open if track not in closed]
        self._open += [
            _Track(timestamp_ms, timestamp_ms, [line])
            for n, line in enumerate(lines)
            if n not in matched_lines
        ]
        yield from self._payloads(closed)

    def finish(self) -> Iterator[OcrText]:
        tracks, self._open = self._open, []
        yield from self._payloads(tracks)

    def _payloads(self, tracks: list[_Track]) -> Iterator[OcrText]:
        for track in sorted(tracks, key=lambda t: t.first_ms):
            payload = _payload(track)
            if len(track.reads) > 1 or payload.confidence >= self._single_read_confidence:
                yield payload


def _candidates(
    tracks: Sequence[_Track], lines: Sequence[TextLine]
) -> list[tuple[float, float, int, int]]:
    """(text distance, -overlap, track, line) of every line that may continue a track,
    closest text first: the order in which they are matched one to one."""
    pairs = []
    for t, track in enumerate(tracks):
        for n, line in enumerate(lines):
            overlap = _overlap(track.latest.box, line.box)
            distance = text_distance(track.latest.text, line.text)
            if overlap >= MIN_BOX_OVERLAP and distance <= SAME_LINE:
                pairs.append((distance, -overlap, t, n))
    return sorted(pairs)


def _overlap(first: Box, second: Box) -> float:
    """The intersection of two boxes over the smaller one's area."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    smaller = min(_area(first), _area(second))
    if width <= 0 or height <= 0 or smaller <= 0:
        return 0.0
    return width * height / smaller


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _payload(track: _Track) -> OcrText:
    voted = vote(track.reads)
    best = voted.winner.best
    return OcrText(
        start_ms=track.first_ms,
        end_ms=track.last_ms,
        text=voted.winner.text,
        confidence=voted.winner.confidence,
        polygon=_points(best.polygon),
        words=[
            OcrWord(
                text=" ".join(word.text.split()),
                confidence=word.confidence,
                polygon=_points(word.polygon),
            )
            for word in best.words
        ],
        variants=[OcrVariant(text=r.text, count=r.count) for r in voted.variants[:MAX_VARIANTS]],
        reads=voted.winner.count,
    )


def _points(polygon: Sequence[tuple[float, float]]) -> list[Point]:
    return [Point(x=x, y=y) for x, y in polygon]
