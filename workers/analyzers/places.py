"""Scene categories (Places365) on keyframes: the middle frame of each scene when the
config lists the video's scenes (``scene_spans_ms``: the planner fills them in from the
video's ``scenes`` run, docs/ARCHITECTURE.md "Scene inputs"), otherwise one frame every
``interval_ms``. Each keyframe is one artifact with the
``top_k`` categories and their probabilities, most probable first.

An analyzer never reads the database, so scene times reach it through its config: they
are then part of the cache key, as they decide which frames are classified.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from pipeline.analysis.contract import MediaSource, ModelIdentity, ProgressCallback, SceneSpan
from pipeline.analysis.declarations import Lane, Produces, Projection, Rows
from pipeline.analysis.models import (
    SMOKE_PROFILE,
    UNTRAINED_PREFIX,
    ModelFetchError,
)
from pipeline.analysis.segments import Observation, Window
from schemas.payloads import PlaceClassification
from schemas.payloads.places import PlacePrediction
from workers.analyzers.base import distribution_version
from workers.analyzers.batching import batched
from workers.analyzers.frame_loop import SamplingPlan, sampled_frames
from workers.analyzers.place_models import (
    CHECKPOINT_URL,
    UNTRAINED_SEED,
    categories,
    classify,
    load_classifier,
)
from workers.analyzers.registered_model import WeightsFileAnalyzer, WeightsFileConfig
from workers.analyzers.windowed import Windowed

ANALYZER_VERSION = "1"
MODEL_NAME = "resnet18-places365"


class PlacesConfig(WeightsFileConfig):
    interval_ms: int = Field(default=2000, ge=1, description="keyframe interval without scenes")
    scene_spans_ms: list[tuple[int, int]] | None = Field(
        default=None, description="[start, end) of each scene; their middle frames are used"
    )
    top_k: int = Field(default=5, ge=1, le=365)
    max_side: int = Field(default=256, ge=32, description="frames are decoded at most this size")
    batch_size: int = Field(default=8, ge=1, le=256)

    @field_validator("scene_spans_ms")
    @classmethod
    def _ordered_spans(cls, spans: list[tuple[int, int]] | None) -> list[tuple[int, int]] | None:
        if spans is not None and any(start < 0 or end < start for start, end in spans):
            raise ValueError("each scene span is [start_ms, end_ms] with 0 <= start <= end")
        return spans

    def keyframes_ms(self) -> list[int] | None:
        if not self.scene_spans_ms:
            return None
        return sorted({(start + end) // 2 for start, end in self.scene_spans_ms})


class PlacesAnalyzer(Windowed[PlacesConfig], WeightsFileAnalyzer[PlacesConfig, Any]):
    name = "places"
    produces = Produces(
        PlaceClassification,
        jump="place",
        projects=Projection(label="predictions.0.label", confidence="predictions.0.confidence"),
        lane=Lane(
            "Places",
            order=60,
            rows=Rows.LABEL,
            item="{predictions.0.label} {predictions.0.confidence|percent}",
        ),
    )
    config_type = PlacesConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": {},
        "balanced": {"interval_ms": 1000},
        "high_quality": {"interval_ms": 1000, "max_side": 448},
        SMOKE_PROFILE: {"interval_ms": 1000, "max_side": 128},
    }
    models: ClassVar[Mapping[str, str | None]] = {
        "fast": "resnet18_places365.pth.tar",
        "balanced": "resnet18_places365.pth.tar",
        "high_quality": "resnet18_places365.pth.tar",
        SMOKE_PROFILE: f"{UNTRAINED_PREFIX}resnet18-places365",
    }

    @property
    def engine_version(self) -> str:
        return f"{ANALYZER_VERSION}+torchvision{distribution_version('torchvision')}"

    def model_identity(self, config: PlacesConfig) -> ModelIdentity:
        identity = self.weights(config).identity(UNTRAINED_SEED)
        if identity.untrained or identity.weights_sha256:
            name = f"{MODEL_NAME}:{identity.name}"
            return ModelIdentity(name, identity.weights_sha256, identity.untrained)
        return identity

    def with_scenes(self, config: BaseModel, scenes: Sequence[SceneSpan]) -> BaseModel:
        assert isinstance(config, PlacesConfig)
        if config.scene_spans_ms is not None:
            return config  # the user named the scenes
        return config.model_copy(update={"scene_spans_ms": list(scenes)})

    def _load_model(self, config: PlacesConfig) -> Any:
        from workers.analyzers.device import torch_device

        device = torch_device(self.settings.device_for(self.name))
        return load_classifier(self.weights(config), device)

    def observe(
        self, source: MediaSource, config: PlacesConfig, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]:
        """Per keyframe in the window: its classification, as the payload's JSON."""
        from workers.analyzers.device import torch_device

        self.require_weights(config)
        device = torch_device(self.settings.device_for(self.name))
        network = self.load(config)
        names = categories()
        keyframes = config.keyframes_ms()
        plan = SamplingPlan(
            max_side=config.max_side,
            interval_ms=None if keyframes else config.interval_ms,
            timestamps_ms=keyframes,
        )
        frames = sampled_frames(source, plan, progress, window)
        for batch in batched(frames, config.batch_size):
            for place in _classified(network, batch, device, config.top_k, names):
                yield place.model_dump(mode="json")

    def assemble(
        self, source: MediaSource, config: PlacesConfig, observations: Iterable[Observation]
    ) -> Iterator[PlaceClassification]:
        """Each keyframe stands alone: its payload as observed."""
        for observed in observations:
            yield PlaceClassification.model_validate(observed)

    def download_url(self, file_name: str) -> str:
        if file_name != Path(CHECKPOINT_URL).name:
            raise ModelFetchError(f"no known download for {file_name!r}")
        return CHECKPOINT_URL


def _classified(
    network: Any, frames: list[Any], device: str, top_k: int, names: tuple[str, ...]
) -> Iterator[PlaceClassification]:
    ranked = classify(network, [frame.image for frame in frames], device, top_k)
    for frame, best in zip(frames, ranked, strict=True):
        yield PlaceClassification(
            frame_index=frame.frame_index,
            timestamp_ms=frame.timestamp_ms,
            predictions=[
                PlacePrediction(
                    label=names[index], class_index=index, confidence=min(max(p, 0.0), 1.0)
                )
                for index, p in best
            ],
        )
