"""What became of a request: one report per file, one per planned run. Kept free of the
database and model layers, so a cached answer can be printed without importing them."""

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.db.models import Run


class Outcome(StrEnum):
    """What became of one planned run: its plan (cached, queued, resumed, already active
    elsewhere), its delivery (not_sent: the broker stayed unreachable) or, when it was
    executed here, its final status."""

    CACHED = "cached"
    QUEUED = "queued"
    RESUMED = "resumed"
    ALREADY_ACTIVE = "already_active"
    NOT_SENT = "not_sent"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


GOOD_OUTCOMES = frozenset(
    {
        Outcome.CACHED,
        Outcome.QUEUED,
        Outcome.RESUMED,
        Outcome.ALREADY_ACTIVE,
        Outcome.RUNNING,
        Outcome.SUCCEEDED,
        Outcome.SKIPPED,
    }
)


@dataclass(frozen=True)
class RunReport:
    run_id: str
    analyzer: str
    profile: str
    outcome: Outcome
    artifact_count: int
    cache_key: str
    model_id: str
    error_code: str | None = None
    error_message: str | None = None

    def with_error(self, code: str, message: str) -> "RunReport":
        return replace(self, error_code=code, error_message=message)

    @classmethod
    def of(cls, run: "Run", outcome: Outcome | None = None) -> "RunReport":
        return cls(
            run_id=run.run_id,
            analyzer=run.analyzer,
            profile=run.profile,
            outcome=outcome or Outcome(run.status),
            artifact_count=run.artifact_count,
            cache_key=run.cache_key,
            model_id=run.model_id,
            error_code=run.error_code,
            error_message=run.error_message,
        )


@dataclass
class FileReport:
    path: str
    video_id: str | None = None
    duration_ms: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    runs: list[RunReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_code is None and all(run.outcome in GOOD_OUTCOMES for run in self.runs)

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> "FileReport":
        """The report ``dataclasses.asdict`` made of one (a stored stamp's answer)."""
        runs = [
            RunReport(**{**run, "outcome": Outcome(run["outcome"])}) for run in document["runs"]
        ]
        return cls(**{**document, "runs": runs})
