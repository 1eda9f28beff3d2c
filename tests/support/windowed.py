"""A segmented run of a windowed analyzer, in process: each window observed on its own, its
observations kept as JSON (as the database stores them between the steps), and the run
assembled from all of them in time order."""

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from pipeline.analysis.contract import AnalyzerOutput, MediaSource
from pipeline.analysis.segments import Window


def windows_split_at(duration_ms: int, *boundaries_ms: int) -> list[Window]:
    edges = [0, *boundaries_ms, duration_ms]
    count = len(edges) - 1
    return [Window(i, count, edges[i], edges[i + 1]) for i in range(count)]


def assembled_in_windows(
    analyzer: Any, source: MediaSource, config: BaseModel, windows: Sequence[Window]
) -> list[AnalyzerOutput]:
    observed = []
    for window in windows:
        stored = json.dumps(list(analyzer.observe(source, config, window, lambda part: None)))
        observed.extend(json.loads(stored))
    return list(analyzer.assemble(source, config, observed))
