"""PySceneDetect split in two for segmented runs (workers/analyzers/scenes.py).

A detector's threshold test on a frame looks only at the frames next to it: the previous
one, whose difference is the frame's score, and AdaptiveDetector's rolling window of
``event_buffer_length`` frames on either side. Its ``min_scene_len`` filter, though,
remembers without bound: in ContentDetector's MERGE mode a flash shortly after a cut opens
a merge that stays open until the next cut, however far, and then lets the last frame of
that cut's burst through instead of the first; in SUPPRESS mode (AdaptiveDetector) whether
a cut too close to the one before is dropped depends on whether that one was, back to the
start of the chain. No pre-roll before a window can stand in for that memory, so a window
is observed with the filter switched off (``min_scene_len=0``: the detector reports every
frame that passes its threshold test) and the filter, the very ``FlashFilter`` the
detectors use, is replayed over all windows' candidates in time order.

The filter is fed every frame in a whole run, but between two candidates only one frame
can change its state: in MERGE mode a frame under the threshold ends an open merge when it
comes at least ``min_scene_len`` after the last frame over it, so the first such frame after
each candidate (its ``settle`` frame) is the only one replayed besides the candidates and
the first frame (where the filter starts counting). SUPPRESS mode ignores frames under
the threshold.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scenedetect import FrameTimecode, SceneDetector
from scenedetect.common import Timecode
from scenedetect.detector import FlashFilter

from pipeline.analysis.segments import Window

Time = list[int]
"""A frame's time as JSON: [pts, time base numerator, time base denominator]."""


@dataclass
class Candidate:
    """A frame that passed the threshold test, and (MERGE mode) its settle frame."""

    cut: FrameTimecode
    settle: FrameTimecode | None = None


class WindowCandidates(SceneDetector):
    """Runs ``detector`` (built with ``min_scene_len=0``) on the frames a SceneManager
    decodes around ``window`` and keeps the candidates inside it, each with its settle
    frame when ``settle_after`` (the MERGE filter's length) is set. Calls ``stop`` once
    every frame of the window is tested and every candidate settled, or as soon as it is
    clear that decoding began too late: fewer than ``context`` frames before the window."""

    def __init__(
        self,
        detector: SceneDetector,
        window: Window,
        context: int,
        settle_after: int | None,
        stop: Callable[[], None],
    ) -> None:
        super().__init__()
        self._detector = detector
        self._window = window
        self._context = context
        self._settle_after = settle_after
        self._stop = stop
        self._unsettled: list[Candidate] = []
        self._before = 0  # frames seen before the window
        self._after = 0  # and after it
        self.candidates: list[Candidate] = []
        self.first: FrameTimecode | None = None
        self.last_ms = 0.0
        self.landed_late = False
        self.finished = False

    @property
    def event_buffer_length(self) -> int:
        return self._detector.event_buffer_length

    def process_frame(self, timecode: FrameTimecode, frame_img: np.ndarray) -> list[FrameTimecode]:
        if self.first is None:
            self.first = timecode
        self.last_ms = timecode.seconds * 1000
        if self.last_ms < self._window.start_ms:
            self._before += 1
        elif self._before < self._context:
            self.landed_late = True
        elif not self._window.holds(self.last_ms):
            self._after += 1
        if not self.landed_late:
            self._settle(timecode)
            self._test(timecode, frame_img)
        if self.landed_late or self._window_done():
            self.finished = True
            self._stop()
        return []  # the SceneManager's own cut list stays unused

    def _test(self, timecode: FrameTimecode, frame_img: np.ndarray) -> None:
        for cut in self._detector.process_frame(timecode, frame_img):
            if self._window.holds(cut.seconds * 1000):
                self.candidates.append(Candidate(cut))
                if self._settle_after is not None:
                    self._unsettled.append(self.candidates[-1])

    def _settle(self, timecode: FrameTimecode) -> None:
        if self._settle_after is None:
            return
        for candidate in self._unsettled:
            # FlashFilter's own test for frame lengths (FrameTimecode >= int)
            if timecode - candidate.cut >= self._settle_after:
                candidate.settle = timecode
        self._unsettled = [candidate for candidate in self._unsettled if candidate.settle is None]

    def _window_done(self) -> bool:
        """The detector tests a frame once it has seen ``event_buffer_length`` more; a
        frame past those shows the window's were all seen. The last window runs to the
        end of the video."""
        return (
            not self._window.is_last
            and self._after > self.event_buffer_length
            and not self._unsettled
        )


def filter_cuts(
    merge: bool,
    min_scene_len: int,
    rate: Fraction,
    first: Time,
    candidates: Iterable[tuple[Time, Time | None]],
) -> list[FrameTimecode]:
    """The cuts a detector's ``min_scene_len`` filter (MERGE or SUPPRESS mode) lets
    through of ``candidates`` (cut, settle frame), fed as a whole run feeds it."""
    mode = FlashFilter.Mode.MERGE if merge else FlashFilter.Mode.SUPPRESS
    flash_filter = FlashFilter(mode, min_scene_len)
    calls: dict[Fraction, tuple[Time, bool]] = {}  # exact time: (time, over the threshold)
    for cut, settle in candidates:
        calls[_seconds(cut)] = (cut, True)
        if settle is not None:  # a settle frame may be another window's candidate
            calls.setdefault(_seconds(settle), (settle, False))
    cuts = flash_filter.filter(from_time(first, rate), False)
    for seconds in sorted(calls):
        time, over = calls[seconds]
        cuts += flash_filter.filter(from_time(time, rate), over)
    return cuts


def as_time(timecode: FrameTimecode) -> Time:
    time_base = timecode.time_base
    return [timecode.pts, time_base.numerator, time_base.denominator]


def from_time(time: Time, rate: Fraction) -> FrameTimecode:
    pts, numerator, denominator = time
    return FrameTimecode(Timecode(pts, Fraction(numerator, denominator)), fps=rate)


def _seconds(time: Time) -> Fraction:
    pts, numerator, denominator = time
    return pts * Fraction(numerator, denominator)
