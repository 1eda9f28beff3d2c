"""Track ids for object detections on consecutive samples, with ultralytics' ByteTrack.

Every detection the tracker takes up gets the id of its track, including the first
sighting of a track that is confirmed only on the next sample; ids are renumbered 0..k-1
in order of first appearance so they are the same whatever else the process tracked.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np


@dataclass(frozen=True)
class ImageDetection:
    """A box in the analyzed image's pixels."""

    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float
    class_id: int


@dataclass(frozen=True)
class TrackerSettings:
    high_threshold: float  # detections at least this confident are matched first
    low_threshold: float  # ... above this one in a second pass; below, never tracked
    new_track_threshold: float  # an unmatched detection starts a track from this score
    lost_samples: int  # samples a lost track waits to be found again
    match_threshold: float  # largest 1 - IoU (times the score when fused) of a match
    fuse_score: bool = True  # weigh IoU by detection score when matching


class ObjectTracker:
    """One per video: call ``assign`` with each sample's detections, in time order.
    ``home``: where ultralytics keeps its settings (EIOKU_HOME)."""

    def __init__(self, settings: TrackerSettings, home: Path) -> None:
        from workers.analyzers.object_models import prepare_ultralytics

        prepare_ultralytics(home)
        from ultralytics.trackers.byte_tracker import BYTETracker

        self._tracker = BYTETracker(
            SimpleNamespace(
                track_high_thresh=settings.high_threshold,
                track_low_thresh=settings.low_threshold,
                new_track_thresh=settings.new_track_threshold,
                track_buffer=settings.lost_samples,
                match_thresh=settings.match_threshold,
                fuse_score=settings.fuse_score,
            )
        )
        self._renumbered: dict[int, int] = {}

    def assign(
        self, detections: Sequence[ImageDetection], image_shape: tuple[int, int]
    ) -> list[int | None]:
        """The track id of each detection, None for one the tracker did not take up."""
        from ultralytics.engine.results import Boxes

        rows = np.array(
            [[d.x0, d.y0, d.x1, d.y1, d.confidence, d.class_id] for d in detections],
            dtype=np.float32,
        ).reshape(-1, 6)
        self._tracker.update(Boxes(rows, image_shape))
        frame = self._tracker.frame_id
        track_of: dict[int, int] = {}
        for track in self._tracker.tracked_stracks:  # confirmed and just-started tracks
            if track.frame_id == frame:
                track_of[int(track.idx)] = self._renumber(int(track.track_id))
        return [track_of.get(index) for index in range(len(detections))]

    def _renumber(self, raw_id: int) -> int:
        return self._renumbered.setdefault(raw_id, len(self._renumbered))
