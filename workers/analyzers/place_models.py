"""The Places365 scene classifier: torchvision's ResNet-18 with a 365-way head, the
category names shipped with the package, and loading a checkpoint offline.

The public Places365 ResNet-18 checkpoint is accepted as it is published (a dict with the
weights under ``state_dict``, keys prefixed ``module.`` by DataParallel), as is a bare
state dict. Without a weights file nothing runs: random weights are only ever built on
purpose, for the ``smoke`` profile, from a fixed seed.
"""

from functools import cache
from importlib.resources import files
from typing import Any

from pipeline.analysis.models import ModelUnavailableError, WeightsReference

CLASS_COUNT = 365
UNTRAINED_SEED = 0
CHECKPOINT_URL = "http://places2.csail.mit.edu/models_places365/resnet18_places365.pth.tar"
INPUT_SIZE = 224
# ImageNet normalisation, as the Places365 models were trained with
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@cache
def categories() -> tuple[str, ...]:
    """The 365 names in model output order: ``/a/airfield 0`` is ``airfield``,
    ``/b/bakery/shop 24`` is ``bakery/shop``."""
    text = files("workers.analyzers").joinpath("data/places365_categories.txt").read_text()
    names: dict[int, str] = {}
    for line in text.splitlines():
        if line.strip():
            path, index = line.rsplit(maxsplit=1)
            names[int(index)] = path.split("/", 2)[2]
    if sorted(names) != list(range(CLASS_COUNT)):
        raise ValueError("places365_categories.txt does not list 365 categories 0..364")
    return tuple(names[index] for index in range(CLASS_COUNT))


def load_classifier(model: WeightsReference, device: str) -> Any:
    import torch

    from workers.analyzers.torch_compat import ensure_torchvision_ops

    ensure_torchvision_ops()
    from torchvision.models import resnet18

    if model.architecture is not None:
        torch.manual_seed(UNTRAINED_SEED)
        network = resnet18(num_classes=CLASS_COUNT)
    else:
        assert model.weights is not None
        network = resnet18(num_classes=CLASS_COUNT)
        network.load_state_dict(_state_dict(model))
    return network.eval().to(device)


def _state_dict(model: WeightsReference) -> dict[str, Any]:
    import torch

    try:
        loaded = torch.load(model.weights, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors alike: not a usable checkpoint
        raise ModelUnavailableError(
            f"{model.weights} is not a readable PyTorch checkpoint ({type(exc).__name__})"
        ) from exc
    state = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else None
    if not isinstance(state, dict):
        raise ModelUnavailableError(f"{model.weights} holds no state dict")
    state = {key.removeprefix("module."): value for key, value in state.items()}
    head = state.get("fc.weight")
    if head is None or tuple(head.shape) != (CLASS_COUNT, 512):
        raise ModelUnavailableError(
            f"{model.weights} is not a ResNet-18 with a {CLASS_COUNT}-way head (Places365 layout)"
        )
    return state


def classify(
    network: Any, images: list[Any], device: str, top_k: int
) -> list[list[tuple[int, float]]]:
    """The ``top_k`` (class index, probability) of each RGB uint8 image, best first."""
    import torch
    import torch.nn.functional as functional

    batch = torch.stack([torch.from_numpy(image.copy()).permute(2, 0, 1) for image in images])
    batch = functional.interpolate(
        batch.float().div(255), size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", antialias=True
    )
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        probabilities = network((batch - mean).div(std).to(device)).softmax(dim=1).cpu()
    best = probabilities.topk(top_k, dim=1)
    return [
        list(zip(indices.tolist(), values.tolist(), strict=True))
        for indices, values in zip(best.indices, best.values, strict=True)
    ]
