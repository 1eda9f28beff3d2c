"""The base of an analyzer whose runs can be segmented (docs/ARCHITECTURE.md, "Segments"):
it implements ``observe`` (one window, the expensive part) and ``assemble`` (every
window's observations, in order); analysing a whole video is the two over one window."""

from abc import abstractmethod
from collections.abc import Iterable, Iterator
from typing import Generic

from pipeline.analysis.contract import AnalyzerOutput, MediaSource, ProgressCallback
from pipeline.analysis.segments import Observation, Window
from workers.analyzers.base import ConfigT


class Windowed(Generic[ConfigT]):
    def analyze(
        self, source: MediaSource, config: ConfigT, progress: ProgressCallback
    ) -> Iterator[AnalyzerOutput]:
        observed = self.observe(source, config, Window.whole(source.duration_ms), progress)
        yield from self.assemble(source, config, observed)
        progress(1.0)

    @abstractmethod
    def observe(
        self, source: MediaSource, config: ConfigT, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]: ...

    @abstractmethod
    def assemble(
        self, source: MediaSource, config: ConfigT, observations: Iterable[Observation]
    ) -> Iterator[AnalyzerOutput]: ...
