"""What the coordinator needs from an analyzer (docs/ARCHITECTURE.md, "Analyzers and their
models")."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from pipeline.analysis.declarations import Produces
from pipeline.errors import EiokuError, ErrorKind
from schemas.base import Payload

ProgressCallback = Callable[[float], None]
"""Called with the fraction done (0..1). It may raise RunCancelledError to stop the work."""

UNTRAINED_MARK = " [UNTRAINED TEST MODEL]"
"""How the model id of an untrained test model ends: the mark every output shows, and
how the selection policy knows the runs it skips unless asked for them by profile or id
(docs/ARCHITECTURE.md, "Selection policies")."""


def is_untrained(model_id: str) -> bool:
    return model_id.endswith(UNTRAINED_MARK)


@dataclass(frozen=True)
class ModelIdentity:
    """Which model produced the output: a name or path, and the sha256 of its weights.
    ``untrained`` marks a randomly initialised test model, so it shows in every output."""

    name: str
    weights_sha256: str | None = None
    untrained: bool = False

    @property
    def model_id(self) -> str:
        label = self.name
        if self.weights_sha256:
            label += f"@sha256:{self.weights_sha256[:16]}"
        if self.untrained:
            label += UNTRAINED_MARK
        return label

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weights_sha256": self.weights_sha256,
            "untrained": self.untrained,
        }


@dataclass(frozen=True)
class MediaSource:
    """The video a run analyzes, as probed when it was registered."""

    video_id: str
    path: str
    duration_ms: int
    fps: float
    width: int
    height: int
    frame_count: int
    has_audio: bool

    @property
    def has_video(self) -> bool:
        """An audio-only file is registered with a 0 x 0 picture."""
        return self.width > 0 and self.height > 0


def refuse_without_video(source: MediaSource) -> None:
    """Frame analyzers have nothing to do on an audio-only file: the run is skipped."""
    if not source.has_video:
        raise AnalysisInputError("no_video_stream", "the file has no video stream", skip=True)


@dataclass(frozen=True)
class ArtifactOutput:
    """A payload plus data kept beside it rather than in its JSON, e.g. a face embedding."""

    payload: Payload
    embedding: tuple[float, ...] | None = None


AnalyzerOutput = Payload | ArtifactOutput


class AnalysisInputError(EiokuError):
    """The input cannot be analyzed (corrupt stream, missing audio, ...). Never retried.
    ``skip`` marks a run that has nothing to do rather than one that failed."""

    kind = ErrorKind.UNUSABLE_INPUT

    def __init__(self, code: str, message: str, *, skip: bool = False) -> None:
        super().__init__(message, code=code)
        self.skip = skip


# Decoding may end this much before the probed duration (rounding, trailing audio)
# before a video counts as truncated.
TRUNCATION_TOLERANCE_MS = 1000


def refuse_truncated(video_end_ms: int, duration_ms: int) -> None:
    """Raise ``truncated_media`` when the decodable video ends well before its duration:
    an analyzer must not write results for a half-readable file."""
    if video_end_ms < duration_ms - TRUNCATION_TOLERANCE_MS:
        raise AnalysisInputError(
            "truncated_media",
            f"the video ends at {video_end_ms} ms of {duration_ms} ms (file truncated or corrupt)",
        )


class RunCancelledError(EiokuError):
    """The run was cancelled or taken over while it was working."""

    code = "run_cancelled"
    kind = ErrorKind.CONFLICT


class UnknownProfileError(EiokuError, ValueError):
    code = "invalid_parameter"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, analyzer: str, profile: str, known: list[str]) -> None:
        super().__init__(
            f"analyzer {analyzer!r} has no profile {profile!r} (known: {', '.join(known)})",
            "profile",
        )


@runtime_checkable
class Analyzer(Protocol):
    name: str
    produces: Produces | None
    """What it writes (pipeline/analysis/declarations.py); None: no artifacts."""
    artifact_type: str

    @property
    def engine_version(self) -> str: ...

    def effective_config(self, profile: str, overrides: Mapping[str, Any]) -> BaseModel:
        """The profile's config with the user's overrides applied and validated."""
        ...

    def model_identity(self, config: BaseModel) -> ModelIdentity:
        """Must not import the model library: it is called when deciding on the cache."""
        ...

    def analyze(
        self, source: MediaSource, config: BaseModel, progress: ProgressCallback
    ) -> Iterator[AnalyzerOutput]: ...


SceneSpan = tuple[int, int]
"""[start_ms, end_ms) of one scene, as a ``scenes`` run found it."""


@runtime_checkable
class UsesScenes(Protocol):
    """An analyzer whose output depends on the video's scenes. The analyzer never reads
    the database, so the planner hands it the scenes of the video's selected ``scenes``
    run through its config, which puts them in the cache key (docs/ARCHITECTURE.md,
    "Scene inputs")."""

    def with_scenes(self, config: BaseModel, scenes: Sequence[SceneSpan]) -> BaseModel:
        """``config`` with ``scenes`` (in time order, tiling the video) applied, or
        ``config`` itself when they change nothing."""
        ...
