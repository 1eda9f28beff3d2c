"""The analyzer base class: profile configs, user overrides, and a per-process model cache.

Shaped like PySceneDetect's SceneDetector: a small interface with interchangeable
implementations, driven by someone else (here, pipeline.coordinator.execution).
"""

import logging
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from pipeline.analysis.contract import (
    MediaSource,
    ModelIdentity,
    ProgressCallback,
    UnknownProfileError,
)
from pipeline.analysis.declarations import Produces
from pipeline.settings import Settings
from schemas.base import Payload

log = logging.getLogger(__name__)


class AnalyzerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def distribution_version(distribution: str) -> str:
    """A package's version without importing it."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not-installed"


ConfigT = TypeVar("ConfigT", bound=AnalyzerConfig)
ModelT = TypeVar("ModelT")


class BaseAnalyzer(ABC, Generic[ConfigT, ModelT]):
    name: ClassVar[str]
    produces: ClassVar[Produces | None] = None
    artifact_type: ClassVar[str]
    """The produced type, or the run's kind for an analyzer that writes no artifacts."""
    config_type: ClassVar[type[AnalyzerConfig]]
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        produces = cls.__dict__.get("produces")
        if produces is not None:
            cls.artifact_type = produces.artifact_type

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: dict[Hashable, ModelT] = {}

    @property
    @abstractmethod
    def engine_version(self) -> str:
        """Our code's version plus the library's; part of every cache key."""

    def effective_config(self, profile: str, overrides: Mapping[str, Any]) -> ConfigT:
        if profile not in self.profiles:
            raise UnknownProfileError(self.name, profile, sorted(self.profiles))
        merged = {**self.profiles[profile], **overrides}
        return self.config_type.model_validate(merged)  # type: ignore[return-value]

    def load(self, config: ConfigT) -> ModelT:
        """The model for ``config``, loaded once per process and then reused."""
        key = self.model_identity(config)
        if key not in self._models:
            began = time.monotonic()
            self._models[key] = self._load_model(config)
            log.info(
                "loaded model %s for %s in %.2f s (pid %d)",
                key.model_id, self.name, time.monotonic() - began, os.getpid(),
            )  # fmt: skip
        return self._models[key]

    @abstractmethod
    def model_identity(self, config: ConfigT) -> ModelIdentity: ...

    @abstractmethod
    def _load_model(self, config: ConfigT) -> ModelT: ...

    @abstractmethod
    def analyze(
        self, source: MediaSource, config: ConfigT, progress: ProgressCallback
    ) -> Iterator[Payload]: ...
