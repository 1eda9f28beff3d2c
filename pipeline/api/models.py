"""Request and response models: the OpenAPI contract of the HTTP API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from pipeline.db.models import RunStatus, SelectionMode
from schemas import ArtifactEnvelope

NO_NUL = r"^[^\x00]*$"

ModelId = Annotated[
    str,
    Field(
        description="a run's model: name or path and weights sha256; an untrained test "
        "model's ends in [UNTRAINED TEST MODEL]"
    ),
]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str
    field: str | None = Field(description="the parameter at fault, when one is")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]
    database: str


class VideoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    video_id: str
    path: str
    content_hash: str
    size_bytes: int
    duration_ms: int
    fps: float
    width: int
    height: int
    frame_count: int
    container: str
    video_codec: str
    audio_codec: str | None
    created_at: datetime


class VideoList(BaseModel):
    videos: list[VideoOut]


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: str
    video_id: str
    analyzer: str
    artifact_type: str
    profile: str
    model_id: str
    engine_version: str
    config: dict[str, Any]
    config_hash: str
    cache_key: str
    status: RunStatus
    attempts: int
    worker: str | None
    task_id: str | None
    progress: float
    heartbeat_at: datetime | None
    error_code: str | None
    error_message: str | None
    artifact_count: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunList(BaseModel):
    runs: list[RunOut]


class ArtifactPage(BaseModel):
    artifacts: list[ArtifactEnvelope]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: last")


class TimeSpan(BaseModel):
    start_ms: int
    end_ms: int


class AnsweringRunFields(BaseModel):
    """The run an answer comes from."""

    run_id: str
    model_id: ModelId
    stale: bool = Field(
        description="computed under another revision of its profile (settings, model, "
        "engine) than the current one, or with request overrides; such a run answers where "
        "no current run exists, or when the selection names it or is `latest`"
    )


class JumpResult(AnsweringRunFields):
    video_id: str
    jump_to: TimeSpan
    artifact_ids: list[str] = Field(description="every artifact starting at jump_to.start_ms")


class MatchedTextOut(BaseModel):
    artifact_id: str
    text: str
    snippet: str = Field(description="the text around the hit, hit wrapped in <mark>…</mark>")


class GlobalJumpResult(JumpResult):
    texts: list[MatchedTextOut] | None = Field(
        description="with a text `query`: the text and snippet of each artifact of "
        "`artifact_ids`, in that order (as `find` gives them); null without one"
    )


class GlobalJumpResponse(BaseModel):
    results: list[GlobalJumpResult]


class TextMatchOut(AnsweringRunFields):
    video_id: str
    artifact_id: str
    source: str = Field(description="the kind of artifact the text is from: transcript, ocr, ...")
    jump_to: TimeSpan
    text: str
    snippet: str = Field(description="the text around the hit, hit wrapped in <mark>…</mark>")


class FindResponse(BaseModel):
    matches: list[TextMatchOut]


class SelectionPolicyOut(BaseModel):
    mode: SelectionMode
    profile: str | None
    run_id: str | None


class SelectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: SelectionMode
    profile: str | None = Field(
        None, description="required by mode `profile`", max_length=32, pattern=NO_NUL
    )
    run_id: str | None = Field(
        None, description="required by mode `pinned`", max_length=32, pattern=NO_NUL
    )


class SelectionOut(BaseModel):
    video_id: str
    artifact_type: str
    policy: SelectionPolicyOut
    selected_run_id: str | None
    selected_model_id: ModelId | None


class ProfileOut(BaseModel):
    profile: str
    run_count: int = Field(description="succeeded runs of this profile")
    latest_run_id: str
    latest_model_id: ModelId
    latest_finished_at: datetime | None
    selected: bool = Field(description="the selection policy picks this profile's run")


class TypeProfiles(BaseModel):
    artifact_type: str
    policy: SelectionPolicyOut
    selected_run_id: str | None
    selected_model_id: ModelId | None
    profiles: list[ProfileOut]


class ProfilesResponse(BaseModel):
    video_id: str
    artifact_types: list[TypeProfiles]


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="a file under one of EIOKU_ALLOWED_ROOTS")
    analyzers: list[str] = Field(default_factory=lambda: ["scenes"], min_length=1)
    profile: str | None = Field(default=None, description="default: EIOKU_DEFAULT_PROFILE")
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='per-analyzer settings, e.g. {"scenes": {"threshold": 30}}',
    )
    force: StrictBool = False  # JSON true or false: "yes" is not taken for true
    resume: StrictBool = False


class PlannedRunOut(BaseModel):
    run_id: str
    analyzer: str
    profile: str
    status: RunStatus
    cached: bool
    outcome: str = Field(description="cached, queued, resumed, already_active or not_sent")


class SubmitResponse(BaseModel):
    video_id: str
    path: str
    duration_ms: int
    execution: Literal["broker", "in_process"]
    runs: list[PlannedRunOut]
