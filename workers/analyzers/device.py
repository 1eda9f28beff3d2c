"""Which device a model analyzer runs on: ``EIOKU_DEVICE=auto|cpu|cuda[:N]``, overridden
per analyzer by ``EIOKU_DEVICE_<ANALYZER>`` (``EIOKU_DEVICE_OCR=cpu``), as
``Settings.device_for`` gives it. ``auto`` (the default) is the first GPU when the
analyzer's library sees one, else the CPU; ``cuda`` where the library sees none fails the
run at once with ``device_unavailable``. Each function takes the requested device."""

import os
import re
from collections.abc import Callable
from pathlib import Path

from pipeline.analysis.contract import AnalysisInputError
from pipeline.settings import DEVICE_VARIABLE as DEVICE_ENV

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
_NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")


class DeviceUnavailableError(AnalysisInputError):
    def __init__(self, message: str) -> None:
        super().__init__("device_unavailable", message)


def choose_device(requested: str, cuda_devices: Callable[[], int], library: str = "torch") -> str:
    """``requested`` checked against the GPUs ``cuda_devices()`` counts (called only when
    a GPU matters)."""
    requested = requested.strip().lower() or "auto"
    if not _DEVICE_PATTERN.match(requested):
        raise DeviceUnavailableError(
            f"{DEVICE_ENV}={requested!r} is not a device: use auto, cpu, cuda or cuda:N"
        )
    if requested == "cpu":
        return "cpu"
    available = cuda_devices()
    if requested == "auto":
        return "cuda:0" if available else "cpu"
    index = int(requested.partition(":")[2] or 0)
    if index >= available:
        found = f"{available} GPU(s)" if available else "no GPU"
        raise DeviceUnavailableError(
            f"{DEVICE_ENV}={requested} but {library} sees {found} here; "
            f"set {DEVICE_ENV}=cpu or auto, or run this worker on a GPU host"
        )
    return f"cuda:{index}"


def gpu_expected(requested: str) -> bool:
    """Whether a model meant for the ``requested`` device runs on a GPU, decided without
    importing any model library (for planning): a ``cuda`` setting, or ``auto`` on a host
    whose NVIDIA driver lists a GPU."""
    requested = requested.strip().lower()
    if requested.startswith("cuda"):
        return True
    if requested != "auto":
        return False
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    return _driver_gpus()


def _driver_gpus() -> bool:
    try:
        return any(_NVIDIA_GPUS.iterdir())
    except OSError:
        return False


def torch_device(requested: str) -> str:
    """The ``requested`` device, checked against what torch sees."""
    import torch

    def cuda_devices() -> int:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0

    return choose_device(requested, cuda_devices)


def ctranslate2_device(requested: str) -> str:
    """The ``requested`` device, checked against what CTranslate2 sees."""
    import ctranslate2

    return choose_device(requested, ctranslate2.get_cuda_device_count, "CTranslate2")


def dlib_device(requested: str) -> str:
    """dlib runs its CNN on the GPU by itself when it was built with CUDA, so the setting
    can only be checked, not steered: ``cuda`` needs a CUDA build, ``cpu`` a CPU one."""
    import dlib

    built_with_cuda = bool(getattr(dlib, "DLIB_USE_CUDA", False))

    def cuda_devices() -> int:
        return int(dlib.cuda.get_num_devices()) if built_with_cuda else 0

    device = choose_device(requested, cuda_devices, "dlib")
    if device == "cpu" and built_with_cuda and cuda_devices():
        raise DeviceUnavailableError(
            f"{DEVICE_ENV}=cpu but this dlib was built with CUDA and uses the GPU; "
            "set CUDA_VISIBLE_DEVICES= to hide it"
        )
    if device != "cpu":
        dlib.cuda.set_device(int(device.partition(":")[2]))
    return device


def dlib_built_with_cuda() -> bool:
    import dlib

    return bool(getattr(dlib, "DLIB_USE_CUDA", False))
