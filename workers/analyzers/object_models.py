"""Loading a YOLO model with ultralytics, offline.

The model is a weights file (``.pt`` or ``.onnx``) resolved by the registry's
``WeightsReference``, or ``untrained:<architecture>.yaml`` for the ``smoke`` profile's
deterministic untrained model. ultralytics is only ever given a file that exists or a
yaml, so it never tries a download; its settings file and every other write go under
``EIOKU_HOME``, and it neither checks for network nor pip-installs anything.
"""

import os
from pathlib import Path
from typing import Any

from pipeline.analysis.models import WeightsReference

UNTRAINED_SEED = 0
ASSETS_URL = "https://github.com/ultralytics/assets/releases/download/v8.3.0/"


def prepare_ultralytics(home: Path) -> None:
    """Settings under ``home`` (EIOKU_HOME), no online checks, no pip installs; torchvision
    usable."""
    from workers.analyzers.torch_compat import ensure_torchvision_ops

    config_dir = home / "ultralytics"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    os.environ.setdefault("YOLO_OFFLINE", "true")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("YOLO_VERBOSE", "false")
    ensure_torchvision_ops()


def load_yolo(model: WeightsReference, home: Path) -> Any:
    prepare_ultralytics(home)
    try:
        from ultralytics import YOLO
    except ImportError as exc:
        raise RuntimeError(
            f"ultralytics is not installed: pip install 'eioku[objects]' ({exc})"
        ) from exc
    if model.architecture is not None:
        return untrained_yolo(model.architecture, home)
    assert model.weights is not None
    return YOLO(str(model.weights), task="detect")


def untrained_yolo(architecture: str, home: Path) -> Any:
    """The architecture with seeded random weights and the COCO class names its yaml is
    laid out for: the same model in every process, detecting nothing meaningful."""
    prepare_ultralytics(home)
    import torch
    from ultralytics import YOLO
    from ultralytics.utils import ROOT, YAML

    torch.manual_seed(UNTRAINED_SEED)
    yolo = YOLO(architecture, task="detect")
    yolo.model.names = dict(YAML.load(ROOT / "cfg" / "datasets" / "coco.yaml")["names"])
    return yolo
