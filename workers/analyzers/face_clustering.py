"""Group the faces of one video into people.

Two faces may be the same person when their embeddings are closer than the threshold
(0.6 is the distance dlib's ResNet was trained for). dlib's Chinese whispers clusters
that graph. Faces seen on the same frame are different people, though, and two people
can sit close to the threshold (tests/data/zidane.jpg: ~0.55-0.65), so a cluster holding
two faces of one frame is split again by average-linkage agglomeration that never joins
groups sharing a frame.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DEFAULT_THRESHOLD = 0.6


def cluster_faces(
    embeddings: Sequence[Sequence[float]],
    frames: Sequence[int],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[int]:
    """One cluster id per face, numbered 0..k-1 in order of first appearance (the input
    order), so the same input always gets the same ids. ``frames[i]`` is the frame face
    ``i`` was seen on."""
    if len(embeddings) != len(frames):
        raise ValueError("one frame per embedding is needed")
    if not embeddings:
        return []
    import dlib
    import numpy as np

    vectors = [dlib.vector([float(value) for value in vector]) for vector in embeddings]
    labels = list(dlib.chinese_whispers_clustering(vectors, threshold))
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    next_label = max(labels) + 1
    matrix = np.asarray(embeddings, dtype=np.float64)
    for group in members.values():
        group_frames = [frames[index] for index in group]
        if len(set(group_frames)) == len(group_frames):
            continue
        parts = split_constrained(matrix[group], group_frames, threshold)
        for index, part in zip(group, parts, strict=True):
            if part:
                labels[index] = next_label + part
        next_label += max(parts) + 1
    return renumber_by_first_appearance(labels)


def split_constrained(
    embeddings: "np.ndarray", frames: Sequence[int], threshold: float
) -> list[int]:
    """Average-linkage agglomeration that stops at ``threshold`` and never merges two
    groups sharing a frame. Returns a part number (0..) per row. O(n^3) in the worst
    case, so it only runs on the clusters that need it."""
    import numpy as np

    count = len(frames)
    frame_ids = np.asarray(frames)
    # conflict[a, b]: groups a and b hold faces of one frame
    conflict = frame_ids[:, None] == frame_ids[None, :]
    distance = np.linalg.norm(embeddings[:, None, :] - embeddings[None, :, :], axis=2)
    sizes = np.ones(count)
    owner = np.arange(count)  # which live group each row belongs to
    blocked = conflict.copy()
    while True:
        candidates = np.where(blocked, np.inf, distance)
        a, b = np.unravel_index(np.argmin(candidates), candidates.shape)
        if not candidates[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        # Lance-Williams update for average linkage: the merged group keeps index a
        merged = (sizes[a] * distance[a] + sizes[b] * distance[b]) / (sizes[a] + sizes[b])
        distance[a, :], distance[:, a] = merged, merged
        sizes[a] += sizes[b]
        blocked[a, :] |= blocked[b, :]
        blocked[:, a] = blocked[a, :]
        blocked[b, :], blocked[:, b] = True, True  # b is gone
        owner[owner == b] = a
    return renumber_by_first_appearance(owner.tolist())


def renumber_by_first_appearance(labels: Sequence[int]) -> list[int]:
    numbering: dict[int, int] = {}
    return [numbering.setdefault(label, len(numbering)) for label in labels]
