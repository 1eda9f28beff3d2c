"""Which torch device a model analyzer uses: ``EIOKU_DEVICE=auto|cpu|cuda[:N]``; ``auto``
(the default) is the first GPU when torch sees one, else the CPU."""

import os
import re
from collections.abc import Callable

from pipeline.analysis.contract import AnalysisInputError

DEVICE_ENV = "EIOKU_DEVICE"
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


class DeviceUnavailableError(AnalysisInputError):
    def __init__(self, message: str) -> None:
        super().__init__("device_unavailable", message)


def choose_device(requested: str, cuda_devices: Callable[[], int]) -> str:
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
            f"{DEVICE_ENV}={requested} but torch sees {found} here; "
            f"set {DEVICE_ENV}=cpu or auto, or run this worker on a GPU host"
        )
    return f"cuda:{index}"


def torch_device() -> str:
    """The device named by EIOKU_DEVICE, checked against what torch sees."""
    import torch

    def cuda_devices() -> int:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0

    return choose_device(os.environ.get(DEVICE_ENV, "auto"), cuda_devices)
