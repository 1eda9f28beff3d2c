"""The base of analyzers whose model is a reference (pipeline.analysis.models): the
analyzer's ``models`` table names one per profile, ``EIOKU_MODEL_<ANALYZER>_<PROFILE>``
overrides it, the reference fills the config's model setting, and the user's ``--set``
wins."""

from abc import abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import Field, field_validator, model_validator

from pipeline.analysis.models import (
    ModelFetchError,
    ModelStatus,
    ModelUnavailableError,
    Resolution,
    WeightsReference,
    download,
)
from pipeline.settings import model_variable
from workers.analyzers.base import AnalyzerConfig, BaseAnalyzer, ConfigT, ModelT


class RegisteredModelAnalyzer(BaseAnalyzer[ConfigT, ModelT]):
    model_setting: ClassVar[str]
    """The config field a model reference goes into."""
    models: ClassVar[Mapping[str, str | None]] = {}
    """The model of each profile (None or absent: the config's default, e.g. the installed
    model package)."""

    def model_reference(self, profile: str) -> str | None:
        """The environment's override, else the analyzer's table."""
        return self.settings.model_override(self.name, profile) or self.models.get(profile)

    def effective_config(self, profile: str, overrides: Mapping[str, Any]) -> ConfigT:
        reference = self.model_reference(profile) if profile in self.profiles else None
        preset = self.reference_settings(reference) if reference is not None else {}
        return super().effective_config(profile, {**preset, **overrides})

    def registered_settings(self, profile: str) -> dict[str, Any]:
        """The profile's settings with its model, not yet validated (validation may refuse
        a missing model, which a status report must show instead)."""
        reference = self.model_reference(profile)
        preset = self.reference_settings(reference) if reference is not None else {}
        return {**self.profiles[profile], **preset}

    def reference_settings(self, reference: str) -> dict[str, Any]:
        """The config values that select the model ``reference``."""
        return {self.model_setting: reference}

    def model_profiles(self) -> list[str]:
        return list(self.profiles)

    def how_to_provide(self, profile: str | None = None) -> str:
        """Which settings name this analyzer's model (every profile's when None)."""
        variable = model_variable(self.name, profile or "PROFILE")
        example = "" if profile else f" (e.g. {model_variable(self.name, 'fast')})"
        return f"set {variable}=PATH{example} or --set {self.name}.{self.model_setting}=PATH"

    @abstractmethod
    def model_status(self, profile: str) -> ModelStatus:
        """Where the profile's model resolves; must not import the model library."""

    def fetch_model(self, profile: str, models_dir: Path) -> ModelStatus:
        status = self.model_status(profile)
        if status.available_offline:
            return status
        raise ModelFetchError(
            f"{self.name}/{profile}: {status.reference!r} has no download; {status.remedy}"
        )

    def download_model(self, profile: str, url: str, target: Path) -> ModelStatus:
        """``url`` into ``target``, then the profile's status (which finds it there)."""
        try:
            download(url, target)
        except ModelFetchError as exc:
            raise ModelFetchError(
                f"{exc}; copy the file onto this machine instead and "
                + self.how_to_provide(profile)
            ) from exc
        return self.model_status(profile)


class WeightsFileConfig(AnalyzerConfig):
    """The model as a file name in EIOKU_MODELS_DIR (or ``untrained:<architecture>``), or
    as a path; the path wins. Two settings, so a request that names a file on the server
    (``model_path``) is told apart from one that names a model."""

    model: str | None = Field(
        default=None, min_length=1, description="file name in EIOKU_MODELS_DIR or untrained:…"
    )
    model_path: str | None = Field(default=None, description="weights file; wins over model")

    @field_validator("model")
    @classmethod
    def _bare_name(cls, value: str | None) -> str | None:
        if value is not None and (not WeightsReference.is_bare_name(value) or value in (".", "..")):
            raise ValueError(f"{value!r} is a path: set model_path to name a file")
        return value

    @model_validator(mode="after")
    def _some_model(self) -> "WeightsFileConfig":
        if self.model is None and self.model_path is None:
            raise ValueError("no model: set model (a file name) or model_path (a file)")
        return self

    @field_validator("model_path")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        # Part of the cache key: the same file must give the same key wherever planned.
        return None if value is None else str(Path(value).expanduser().absolute())

    @property
    def model_reference(self) -> str:
        reference = self.model_path or self.model
        assert reference is not None  # _some_model
        return reference


WeightsConfigT = TypeVar("WeightsConfigT", bound=WeightsFileConfig)


class WeightsFileAnalyzer(RegisteredModelAnalyzer[WeightsConfigT, ModelT]):
    """An analyzer whose model is one weights file (``WeightsFileConfig``), fetched by name
    into EIOKU_MODELS_DIR by ``eioku models fetch``, or an untrained architecture."""

    model_setting = "model_path"

    @abstractmethod
    def download_url(self, file_name: str) -> str:
        """Where a model named ``file_name`` can be downloaded (raises ModelFetchError)."""

    def reference_settings(self, reference: str) -> dict[str, Any]:
        if WeightsReference.is_bare_name(reference):
            return {"model": reference}
        return {"model_path": reference}

    def weights(self, config: WeightsConfigT) -> WeightsReference:
        return WeightsReference.resolve(config.model_reference, self.settings)

    def require_weights(self, config: WeightsConfigT) -> WeightsReference:
        """The model, or ``model_unavailable`` naming what to fetch or set."""
        model = self.weights(config)
        if model.weights is not None or model.architecture is not None:
            return model
        if config.model_path is not None:
            raise ModelUnavailableError(f"{self.name} model file {model.reference} does not exist")
        raise ModelUnavailableError(
            f"{self.name} model {model.reference!r} is not in {self.settings.models_path}: "
            f"run `eioku models fetch -a {self.name}` where its hub is reachable, or "
            + self.how_to_provide()
        )

    def model_status(self, profile: str) -> ModelStatus:
        model = self.weights(self.effective_config(profile, {}))
        fetch = f"run `eioku models fetch -a {self.name} -p {profile}` or "
        return model.status(self.name, profile, fetch + self.how_to_provide(profile))

    def fetch_model(self, profile: str, models_dir: Path) -> ModelStatus:
        status = self.model_status(profile)
        if status.resolution != Resolution.HUB:
            return super().fetch_model(profile, models_dir)
        return self.download_model(
            profile, self.download_url(status.reference), models_dir / status.reference
        )
