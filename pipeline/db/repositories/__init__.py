"""Repositories: the only code that writes SQL against Eioku's tables."""

from pipeline.db.repositories.artifacts import ArtifactBatchError, ArtifactRepository
from pipeline.db.repositories.history import HistoryRepository
from pipeline.db.repositories.run_selection import (
    InvalidSelectionPolicyError,
    SelectionPolicy,
    SelectionPolicyManager,
)
from pipeline.db.repositories.runs import (
    IllegalTransitionError,
    RunNotFoundError,
    RunRepository,
    StaleRunStateError,
)
from pipeline.db.repositories.segments import SegmentRepository
from pipeline.db.repositories.videos import VideoNotFoundError, VideoRepository

__all__ = [
    "ArtifactBatchError",
    "ArtifactRepository",
    "HistoryRepository",
    "IllegalTransitionError",
    "InvalidSelectionPolicyError",
    "RunNotFoundError",
    "RunRepository",
    "SegmentRepository",
    "SelectionPolicy",
    "SelectionPolicyManager",
    "StaleRunStateError",
    "VideoNotFoundError",
    "VideoRepository",
]
