"""Model references and where they resolve. Each analyzer declares which model it uses in
each profile (its ``models`` table); the environment overrides one analyzer x profile
(``EIOKU_MODEL_<ANALYZER>_<PROFILE>``, e.g. ``EIOKU_MODEL_OBJECTS_FAST=/models/yolo11n.pt``,
read into ``Settings.model_overrides``).

A reference is a model name (looked up where the analyzer finds names: an installed
package, ``EIOKU_MODELS_DIR``, a hub), a path to a weights file or folder, ``None`` for
"the analyzer's installed model package", or ``untrained:<architecture>`` for the
deterministic untrained test models of the ``smoke`` profile. Analyzers report where
their reference resolves (``ModelStatus``) for ``eioku models``.
"""

import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from pipeline.analysis.contract import AnalysisInputError, ModelIdentity
from pipeline.analysis.weights import weights_sha256
from pipeline.errors import EiokuError
from pipeline.files import atomic_output
from pipeline.settings import Settings

UNTRAINED_PREFIX = "untrained:"
SMOKE_PROFILE = "smoke"


def untrained_architecture(reference: str | None) -> str | None:
    """``yolov8n.yaml`` for ``untrained:yolov8n.yaml``; None for a real model."""
    if reference is not None and reference.startswith(UNTRAINED_PREFIX):
        return reference.removeprefix(UNTRAINED_PREFIX)
    return None


class Resolution(StrEnum):
    PACKAGE = "package"  # shipped by an installed Python package
    FILE = "file"  # a file or folder on this machine
    HUB = "hub"  # a name only a model hub can provide
    UNTRAINED = "untrained"  # built from its architecture with a fixed seed
    MISSING = "missing"  # nothing to use: a setting or an install is needed


@dataclass(frozen=True)
class ModelStatus:
    """Where one analyzer x profile's model resolves, and what to do when it does not."""

    analyzer: str
    profile: str
    reference: str
    resolution: Resolution
    location: str | None = None
    sha256: str | None = None
    remedy: str | None = None
    note: str | None = None  # how the model will run here, when worth saying

    @property
    def available_offline(self) -> bool:
        return self.resolution in (Resolution.PACKAGE, Resolution.FILE, Resolution.UNTRAINED)


@dataclass(frozen=True)
class WeightsReference:
    """A reference resolved on this machine: an existing weights file (a path, or a bare
    file name looked up in EIOKU_MODELS_DIR only), an untrained architecture, or neither.
    ``hashes`` is where the weights' sha256 is remembered."""

    reference: str
    weights: Path | None
    architecture: str | None
    hashes: Path

    @classmethod
    def resolve(cls, reference: str, settings: Settings) -> "WeightsReference":
        hashes = settings.weights_cache_file
        architecture = untrained_architecture(reference)
        if architecture is not None:
            return cls(reference, None, architecture, hashes)
        if cls.is_bare_name(reference):
            candidate = settings.models_path / reference
        else:
            candidate = Path(reference).expanduser()
        return cls(reference, candidate.resolve() if candidate.is_file() else None, None, hashes)

    @staticmethod
    def is_bare_name(reference: str) -> bool:
        """``yolo11n.pt`` rather than a path: something a hub or EIOKU_MODELS_DIR holds."""
        return Path(reference).name == reference

    def identity(self, untrained_seed: int) -> ModelIdentity:
        if self.architecture is not None:
            return ModelIdentity(f"{self.architecture}#seed{untrained_seed}", untrained=True)
        if self.weights is None:
            return ModelIdentity(self.reference[-200:])
        return ModelIdentity(self.weights.name, weights_sha256(self.weights, self.hashes))

    @property
    def resolution(self) -> Resolution:
        if self.architecture is not None:
            return Resolution.UNTRAINED
        if self.weights is not None:
            return Resolution.FILE
        return Resolution.HUB if self.is_bare_name(self.reference) else Resolution.MISSING

    def status(self, analyzer: str, profile: str, remedy: str) -> ModelStatus:
        return ModelStatus(
            analyzer=analyzer,
            profile=profile,
            reference=self.reference,
            resolution=self.resolution,
            location=str(self.weights) if self.weights else None,
            sha256=weights_sha256(self.weights, self.hashes) if self.weights else None,
            remedy=None if self.weights or self.architecture else remedy,
        )


@runtime_checkable
class ModelAnalyzer(Protocol):
    """An analyzer whose models the registry describes and fetches."""

    name: str

    def model_profiles(self) -> list[str]: ...

    def model_status(self, profile: str) -> ModelStatus:
        """Must not import the model library."""
        ...

    def fetch_model(self, profile: str, models_dir: Path) -> ModelStatus:
        """Download the profile's model into ``models_dir`` (raises ModelFetchError)."""
        ...


class ModelUnavailableError(AnalysisInputError):
    """The configured model cannot be found or fetched; the run fails without retries."""

    def __init__(self, message: str) -> None:
        super().__init__("model_unavailable", message)


class ModelFetchError(EiokuError, RuntimeError):
    """A model could not be downloaded; the message says why and what to do instead."""

    code = "model_fetch_failed"


DOWNLOAD_TIMEOUT_S = 30


def download(url: str, target: Path) -> Path:
    """``url`` saved as ``target``, complete or not at all."""
    try:
        with (
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
            atomic_output(target) as output,
        ):
            while chunk := response.read(1 << 20):
                output.write(chunk)
    except OSError as exc:  # URLError, timeouts and refused connections are all OSErrors
        raise ModelFetchError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from exc
    return target
