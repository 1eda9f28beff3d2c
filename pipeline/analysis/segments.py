"""Segmented runs (docs/ARCHITECTURE.md, "Segments"): a long video is analysed as time
windows that workers observe independently and in parallel; the run's artifacts are then
assembled from all windows' observations, in order, in one final step.

An analyzer takes part by splitting its work in two:

- ``observe(source, config, window, progress)``: the expensive, parallel part — decode and
  run the model on the window only, yielding JSON-able observations (per sampled frame,
  per speech segment, per cut, ...). Observations are persisted per window, so a resumed
  run redoes only the windows that had not finished.
- ``assemble(source, config, observations)``: the cheap, sequential part — tracking,
  clustering, joining what crosses a boundary — over every window's observations in
  time order. It yields the run's artifacts.

An unsegmented run is the same two steps over one window covering the whole video, so
the two paths share all of their code.
"""

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from pipeline.analysis.contract import AnalyzerOutput, MediaSource, ProgressCallback

Observation = Any
"""A JSON-able value (dicts, lists, strings, numbers) an analyzer observed in a window."""

DEFAULT_SEGMENT_S = 300


@dataclass(frozen=True)
class Window:
    """The half-open time range [start_ms, end_ms) of one segment of a video. ``end_ms`` of
    the last window is the video's duration; ``index`` counts from 0 of ``count``."""

    index: int
    count: int
    start_ms: int
    end_ms: int

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def is_last(self) -> bool:
        return self.index == self.count - 1

    def holds(self, time_ms: float) -> bool:
        """Whether ``time_ms`` belongs to this window (the last one keeps what lies past the
        probed duration)."""
        return time_ms >= self.start_ms and (self.is_last or time_ms < self.end_ms)

    @classmethod
    def whole(cls, duration_ms: int) -> "Window":
        return cls(0, 1, 0, max(duration_ms, 0))


@runtime_checkable
class SegmentedAnalyzer(Protocol):
    def observe(
        self, source: MediaSource, config: BaseModel, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]: ...

    def assemble(
        self, source: MediaSource, config: BaseModel, observations: Iterable[Observation]
    ) -> Iterator[AnalyzerOutput]: ...


def plan_windows(
    duration_ms: int,
    segment_ms: int,
    keyframes_ms: Sequence[int] = (),
    cuts_ms: Sequence[int] = (),
) -> list[Window]:
    """Windows of about ``segment_ms``. Each boundary goes to the first scene cut in the
    half segment from its nominal time (nothing on screen crosses a cut, so nothing is
    stitched there), else to the first keyframe at or after it (so a window's decoding
    starts at a keyframe); a boundary that would leave a window shorter than half a
    segment is dropped. A video shorter than 1.5 segments is one window."""
    if segment_ms <= 0:
        raise ValueError("segment_ms must be positive")
    keys, cuts = sorted(set(keyframes_ms)), sorted(set(cuts_ms))
    boundaries: list[int] = []
    nominal = segment_ms
    while nominal < duration_ms:
        cut = _first_at_or_after(cuts, nominal)
        near_cut = cut is not None and cut < nominal + segment_ms // 2
        boundary = cut if near_cut else _first_at_or_after(keys, nominal)
        boundary = nominal if boundary is None else boundary
        previous = boundaries[-1] if boundaries else 0
        if boundary - previous >= segment_ms // 2 and duration_ms - boundary >= segment_ms // 2:
            boundaries.append(boundary)
        nominal = max(nominal, boundary) + segment_ms
    edges = [0, *boundaries, max(duration_ms, 0)]
    count = len(edges) - 1
    return [Window(i, count, edges[i], edges[i + 1]) for i in range(count)]


def _first_at_or_after(times: Sequence[int], time_ms: int) -> int | None:
    position = bisect.bisect_left(times, time_ms)
    return times[position] if position < len(times) else None
