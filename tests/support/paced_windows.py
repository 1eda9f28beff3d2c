"""A test double for timing only: the brightness plugin's analyzer (a real computation,
tests/data/brightness_plugin) slowed by ``pace_ms`` per sample, that notes every window it
finishes observing — ``<pid> <window index>`` — in the file PACED_WINDOW_LOG names. Tests
kill a run midway with it and count what the resumed run observed again.

Loaded as a plugin: PYTHONPATH holds tests/data/brightness_plugin and tests/support,
EIOKU_ANALYZER_PLUGINS=paced_windows:PacedBrightness."""

import os
import time
from collections.abc import Iterator

from eioku_brightness import BrightnessAnalyzer, BrightnessConfig
from pydantic import Field

from pipeline.analysis.contract import MediaSource, ProgressCallback
from pipeline.analysis.segments import Observation, Window

LOG_VARIABLE = "PACED_WINDOW_LOG"


class PacedConfig(BrightnessConfig):
    pace_ms: int = Field(default=0, ge=0, description="sleep after each sample")


class PacedBrightness(BrightnessAnalyzer):
    name = "paced"
    config_type = PacedConfig

    def observe(  # type: ignore[override]
        self, source: MediaSource, config: PacedConfig, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]:
        for sample in super().observe(source, config, window, progress):
            time.sleep(config.pace_ms / 1000)
            yield sample
        log = os.environ.get(LOG_VARIABLE)
        if log:
            with open(log, "a") as handle:
                handle.write(f"{os.getpid()} {window.index}\n")
