"""An Eioku analyzer shipped as a plugin: spans of similar mean brightness.

Frames are sampled every ``interval_ms``; each sample is dark, normal or bright by its mean
luma; consecutive samples of one label are one span. Its runs can be segmented: ``observe``
measures the samples of one window, ``assemble`` builds the spans over all of them.
Everything Eioku needs to know about the output is declared here: the payload, what it
projects (a label to jump by, a description to find), its jump kind and its lane.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from pydantic import Field

from pipeline.analysis.contract import (
    MediaSource,
    ModelIdentity,
    ProgressCallback,
    refuse_without_video,
)
from pipeline.analysis.declarations import Lane, Produces, Projection, Rows
from pipeline.analysis.segments import Observation, Window
from schemas.base import NonEmptyText, SpanPayload
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer
from workers.analyzers.windowed import Windowed


class BrightnessSpan(SpanPayload):
    ARTIFACT_TYPE: ClassVar[str] = "brightness.span"

    label: NonEmptyText
    mean_luma: float = Field(ge=0.0, le=255.0, allow_inf_nan=False)
    description: NonEmptyText


class BrightnessConfig(AnalyzerConfig):
    interval_ms: int = Field(default=500, ge=1)
    dark_below: float = Field(default=50.0, ge=0.0, le=255.0)
    bright_above: float = Field(default=170.0, ge=0.0, le=255.0)


class BrightnessAnalyzer(Windowed[BrightnessConfig], BaseAnalyzer[BrightnessConfig, None]):
    name = "brightness"
    produces = Produces(
        BrightnessSpan,
        jump="brightness",
        projects=Projection(label="label", text="description"),
        lane=Lane("Brightness", order=80, rows=Rows.LABEL, item="{label} {mean_luma}"),
    )
    config_type = BrightnessConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": {},
        "balanced": {"interval_ms": 250},
        "high_quality": {"interval_ms": 100},
    }

    @property
    def engine_version(self) -> str:
        return "brightness-1"

    def model_identity(self, config: BrightnessConfig) -> ModelIdentity:
        return ModelIdentity(name="mean-luma")

    def _load_model(self, config: BrightnessConfig) -> None:
        return None

    def observe(
        self,
        source: MediaSource,
        config: BrightnessConfig,
        window: Window,
        progress: ProgressCallback,
    ) -> Iterator[Observation]:
        """The mean luma of each sample in the window: [time, luma]."""
        from pipeline.media.frames import FrameSampler

        refuse_without_video(source)
        with FrameSampler(source.path, max_side=64) as frames:
            bounds = (window.start_ms, None if window.is_last else window.end_ms)
            expected = max(frames.count_every(config.interval_ms, bounds), 1)
            for done, frame in enumerate(frames.sample_every(config.interval_ms, bounds), 1):
                yield [frame.timestamp_ms, float(frame.image.mean())]
                progress(min(done / expected, 1.0))

    def assemble(
        self,
        source: MediaSource,
        config: BrightnessConfig,
        observations: Iterable[Observation],
    ) -> Iterator[BrightnessSpan]:
        """Spans over all windows' samples: a span crossing a window boundary is one."""
        samples = [(int(timestamp_ms), float(luma)) for timestamp_ms, luma in observations]
        end_ms = max(source.duration_ms, samples[-1][0] if samples else 0)
        yield from _spans(samples, end_ms, config)


def _label(luma: float, config: BrightnessConfig) -> str:
    if luma < config.dark_below:
        return "dark"
    return "bright" if luma > config.bright_above else "normal"


def _spans(
    samples: list[tuple[int, float]], end_ms: int, config: BrightnessConfig
) -> Iterator[BrightnessSpan]:
    """Runs of one label; a run lasts until the next run's first sample (or the end)."""
    runs: list[tuple[str, int, list[float]]] = []
    for timestamp_ms, luma in samples:
        label = _label(luma, config)
        if runs and runs[-1][0] == label:
            runs[-1][2].append(luma)
        else:
            runs.append((label, timestamp_ms, [luma]))
    for index, (label, start_ms, lumas) in enumerate(runs):
        stop_ms = runs[index + 1][1] if index + 1 < len(runs) else end_ms
        yield BrightnessSpan(
            start_ms=start_ms,
            end_ms=max(stop_ms, start_ms),
            label=label,
            mean_luma=round(sum(lumas) / len(lumas), 1),
            description=f"{label} shot",
        )
