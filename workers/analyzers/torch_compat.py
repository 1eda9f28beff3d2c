"""A pure-torch CPU ``torchvision::nms`` for torchvision builds whose compiled ops do not
load (the registry's torchvision 0.28.0 is a CUDA build; with CPU torch
importing it fails with ``operator torchvision::nms does not exist``, which breaks easyocr
and ultralytics). Call ``ensure_torchvision_ops()`` before importing either of them.
"""

import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
_library: Any = None  # the torch.library.Library holding our definitions; kept alive


def ensure_torchvision_ops() -> bool:
    """Make ``torchvision`` importable and ``torchvision.ops.nms`` work on CPU. Returns
    True when the pure-torch fallback is in use, False when torchvision's own compiled
    ops load (or torchvision is not installed: its import error is then the caller's)."""
    global _library
    with _lock:
        if _library is not None:
            return True
        if importlib.util.find_spec("torchvision") is None or _compiled_ops_load():
            return False
        _library = _register_fallback()
        _allow_ops_wrappers()
        log.info("torchvision's compiled ops do not load; using a pure-torch CPU nms")
        return True


def _compiled_ops_load() -> bool:
    import torch

    if _has_nms(torch):
        return True
    spec = importlib.util.find_spec("torchvision")
    locations = spec.submodule_search_locations if spec else None
    for location in locations or []:
        for candidate in sorted(Path(location).glob("_C.*")):
            try:
                torch.ops.load_library(str(candidate))
            except (OSError, RuntimeError, ImportError):
                continue
            if _has_nms(torch):
                return True
    return False


def _has_nms(torch: Any) -> bool:
    try:
        torch.ops.torchvision.nms  # noqa: B018 (the lookup is the test)
    except (AttributeError, RuntimeError):
        return False
    return True


def _register_fallback() -> Any:
    import torch

    library = torch.library.Library("torchvision", "DEF")
    # torchvision's import registers fake kernels for exactly these two ops
    library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.impl("nms", nms, "CPU")
    library.impl("qnms", _qnms, "CPU")
    return library


def _allow_ops_wrappers() -> None:
    """``torchvision.ops.nms`` refuses to run when the compiled library did not load,
    although the op it calls now exists; let the box ops through."""
    import torchvision.ops.boxes

    torchvision.ops.boxes._assert_has_ops = lambda: None  # type: ignore[attr-defined]


def nms(dets: Any, scores: Any, iou_threshold: float) -> Any:
    """Greedy non-maximum suppression, as torchvision's CPU kernel does it: boxes in
    (x1, y1, x2, y2), visited by decreasing score (stable on ties); a box is dropped when
    its IoU with a kept box exceeds ``iou_threshold``. Returns the kept indices, best
    first."""
    import torch

    if dets.numel() == 0:
        return torch.empty(0, dtype=torch.long, device=dets.device)
    order = torch.sort(scores, stable=True, descending=True).indices
    boxes = dets[order]
    x1, y1, x2, y2 = boxes.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    suppressed = torch.zeros(len(order), dtype=torch.bool)
    kept: list[int] = []
    for position in range(len(order)):
        if suppressed[position]:
            continue
        kept.append(position)
        rest = slice(position + 1, None)
        width = torch.minimum(x2[position], x2[rest]) - torch.maximum(x1[position], x1[rest])
        height = torch.minimum(y2[position], y2[rest]) - torch.maximum(y1[position], y1[rest])
        inter = width.clamp(min=0) * height.clamp(min=0)
        iou = inter / (areas[position] + areas[rest] - inter)
        suppressed[rest] |= iou > iou_threshold
    return order[torch.tensor(kept, dtype=torch.long)]


def _qnms(dets: Any, scores: Any, iou_threshold: float) -> Any:
    return nms(dets.float(), scores.float(), iou_threshold)
