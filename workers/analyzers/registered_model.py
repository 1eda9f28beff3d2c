"""The base of analyzers whose model comes from the registry (pipeline.analysis.models):
the profile's reference fills the config's model setting, and the user's ``--set`` wins."""

from abc import abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pipeline.analysis.models import (
    ModelFetchError,
    ModelStatus,
    download,
    model_env_var,
    model_reference,
)
from workers.analyzers.base import BaseAnalyzer, ConfigT, ModelT


class RegisteredModelAnalyzer(BaseAnalyzer[ConfigT, ModelT]):
    model_setting: ClassVar[str]
    """The config field a registry reference goes into."""

    def effective_config(self, profile: str, overrides: Mapping[str, Any]) -> ConfigT:
        reference = model_reference(self.name, profile) if profile in self.profiles else None
        preset = self.reference_settings(reference) if reference is not None else {}
        return super().effective_config(profile, {**preset, **overrides})

    def registered_settings(self, profile: str) -> dict[str, Any]:
        """The profile's settings with its registry model, not yet validated (validation
        may refuse a missing model, which a status report must show instead)."""
        reference = model_reference(self.name, profile)
        preset = self.reference_settings(reference) if reference is not None else {}
        return {**self.profiles[profile], **preset}

    def reference_settings(self, reference: str) -> dict[str, Any]:
        """The config values that select the model ``reference``."""
        return {self.model_setting: reference}

    def model_profiles(self) -> list[str]:
        return list(self.profiles)

    def how_to_provide(self, profile: str | None = None) -> str:
        """Which settings name this analyzer's model (every profile's when None)."""
        variable = model_env_var(self.name, profile or "PROFILE")
        example = "" if profile else f" (e.g. {model_env_var(self.name, 'fast')})"
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
