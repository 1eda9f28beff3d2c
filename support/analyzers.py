"""A test-only analyzer whose behaviour is scripted through its config, so the
coordinator's lifecycle can be driven into every outcome with a real database."""

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pipeline.analysis.contract import (
    AnalysisInputError,
    AnalyzerOutput,
    ArtifactOutput,
    MediaSource,
    ModelIdentity,
    ProgressCallback,
)
from pipeline.settings import Settings
from schemas.payloads import Scene
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer
from workers.analyzers.scenes import ScenesAnalyzer


class ScriptedConfig(AnalyzerConfig):
    scenes: int = 4
    # invalid_output: the third scene has a negative index, which the registry rejects
    outcome: Literal["ok", "crash", "bad_input", "skip", "interrupt", "invalid_output"] = "ok"
    embed: bool = False  # attach a 4-d embedding to every artifact
    step_s: float = 0.0  # work this long per scene (a slow analyzer for worker tests)
    # Before finishing, create `reached_file` and wait until `gate_file` exists, so a test
    # can break something between the analysis and the final write.
    gate_file: str | None = None
    reached_file: str | None = None


class ScriptedAnalyzer(BaseAnalyzer[ScriptedConfig, str]):
    """Splits the video into ``scenes`` equal scenes, reporting progress after each."""

    name = "scripted"
    produces = ScenesAnalyzer.produces  # the same type, declared the same
    config_type = ScriptedConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {"fast": {}, "high_quality": {}}

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.loads = 0
        self.midway_hook: Callable[[], None] | None = None

    @property
    def engine_version(self) -> str:
        return "test-1"

    def model_identity(self, config: ScriptedConfig) -> ModelIdentity:
        return ModelIdentity("scripted-test-model", "ab" * 32, untrained=True)

    def _load_model(self, config: ScriptedConfig) -> str:
        self.loads += 1
        return "model"

    def analyze(
        self, source: MediaSource, config: ScriptedConfig, progress: ProgressCallback
    ) -> Iterator[AnalyzerOutput]:
        self.load(config)
        self._act(config.outcome)
        step = source.duration_ms // config.scenes
        for index in range(config.scenes):
            if index == config.scenes // 2 and self.midway_hook is not None:
                self.midway_hook()
            time.sleep(config.step_s)
            progress((index + 1) / config.scenes)
            if index == config.scenes - 1:
                _wait_at_gate(config)
            end = source.duration_ms if index == config.scenes - 1 else (index + 1) * step
            invalid = config.outcome == "invalid_output" and index == 2
            build = Scene.model_construct if invalid else Scene
            scene = build(
                scene_index=-1 if invalid else index,
                start_frame=index,
                end_frame=index + 1,
                start_ms=index * step,
                end_ms=end,
            )
            yield ArtifactOutput(scene, (float(index),) * 4) if config.embed else scene

    @staticmethod
    def _act(outcome: str) -> None:
        match outcome:
            case "crash":
                raise RuntimeError("model exploded")
            case "bad_input":
                raise AnalysisInputError("corrupt_frames", "frame 3 cannot be decoded")
            case "skip":
                raise AnalysisInputError("no_audio", "video has no audio stream", skip=True)
            case "interrupt":
                raise KeyboardInterrupt


GATE_TIMEOUT_S = 120


def _wait_at_gate(config: ScriptedConfig) -> None:
    if config.gate_file is None:
        return
    if config.reached_file is not None:
        Path(config.reached_file).touch()
    deadline = time.monotonic() + GATE_TIMEOUT_S
    while not Path(config.gate_file).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gate {config.gate_file} never opened")
        time.sleep(0.05)
