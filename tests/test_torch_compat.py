"""The pure-torch nms fallback against a brute-force greedy suppression, and torchvision
(and easyocr, which imports it) usable after ensure_torchvision_ops()."""

import pytest

from workers.analyzers.torch_compat import ensure_torchvision_ops, nms

torch = pytest.importorskip("torch")


def brute_force_nms(boxes: list[list[float]], scores: list[float], threshold: float) -> list[int]:
    def iou(a: list[float], b: list[float]) -> float:
        width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = width * height
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union if union > 0 else 0.0

    order = sorted(range(len(scores)), key=lambda index: -scores[index])  # stable on ties
    kept: list[int] = []
    for index in order:
        if all(iou(boxes[index], boxes[other]) <= threshold for other in kept):
            kept.append(index)
    return kept


def random_boxes(seed: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    corners = torch.rand(count, 2, generator=generator) * 100
    sizes = torch.rand(count, 2, generator=generator) * 40 + 1
    scores = torch.rand(count, generator=generator)
    scores[: count // 4] = scores[count // 4 : count // 2]  # ties
    return torch.cat([corners, corners + sizes], dim=1), scores


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9])
def test_matches_brute_force_suppression(seed: int, threshold: float) -> None:
    boxes, scores = random_boxes(seed, 120)
    kept = nms(boxes, scores, threshold)
    assert kept.dtype == torch.long
    assert kept.tolist() == brute_force_nms(boxes.tolist(), scores.tolist(), threshold)


def test_degenerate_inputs() -> None:
    assert nms(torch.empty(0, 4), torch.empty(0), 0.5).tolist() == []
    point = torch.tensor([[5.0, 5.0, 5.0, 5.0], [5.0, 5.0, 5.0, 5.0]])  # zero area: 0/0
    assert nms(point, torch.tensor([0.9, 0.8]), 0.5).tolist() == [0, 1]
    same = torch.tensor([[0.0, 0.0, 10.0, 10.0]] * 3)
    assert nms(same, torch.tensor([0.2, 0.7, 0.7]), 0.5).tolist() == [1]


def test_torchvision_and_easyocr_work_after_ensuring_the_ops() -> None:
    ensure_torchvision_ops()
    import easyocr  # noqa: F401  (fails to import without a torchvision::nms)
    import torchvision

    boxes, scores = random_boxes(7, 200)
    expected = brute_force_nms(boxes.tolist(), scores.tolist(), 0.5)
    assert torchvision.ops.nms(boxes, scores, 0.5).tolist() == expected
    classes = torch.zeros(200, dtype=torch.long)
    assert torchvision.ops.batched_nms(boxes, scores, classes, 0.5).tolist() == expected
    assert ensure_torchvision_ops() == ensure_torchvision_ops()  # idempotent
