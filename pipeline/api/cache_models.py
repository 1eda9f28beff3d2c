"""Request and response models of the cache diff, regeneration, dismissal and history
endpoints (docs/http-api.md, "Cache diff, regeneration and history": the stable JSON
contract)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

StatusName = Literal["current", "missing", "stale", "extraneous"]


class DescriptorStateOut(BaseModel):
    descriptor: str
    status: StatusName
    last_analyzed_at: datetime | None
    run_id: str | None
    revision: str | None
    current_revision: str | None
    paused: bool


class ProfileDiffOut(BaseModel):
    profile: str
    blocked: bool
    message: str | None
    descriptors_requested: list[str]
    descriptors_cached: list[str]
    missing: list[str]
    stale: list[str]
    extraneous: list[str]
    summary: str
    descriptors: list[DescriptorStateOut]


class VideoDiffOut(BaseModel):
    video_id: str
    path: str
    profiles: list[ProfileDiffOut]


class CacheDiffList(BaseModel):
    videos: list[VideoDiffOut]
    paused_queues: list[str]
    next_cursor: str | None


class RegenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    only: list[Literal["missing", "stale"]] = Field(
        default_factory=lambda: ["missing", "stale"], min_length=1
    )
    descriptors: list[str] | None = Field(default=None, description="default: every descriptor")
    profile: str | None = Field(
        default=None, description="only this profile; blocked intents move to it"
    )
    force: StrictBool = Field(default=False, description="also recompute current descriptors")


class RegeneratedRunOut(BaseModel):
    run_id: str
    descriptor: str
    profile: str
    reason: str | None
    outcome: str


class RegenerateResponse(BaseModel):
    video_id: str
    execution: Literal["broker", "in_process"]
    runs: list[RegeneratedRunOut]
    paused_queues: list[str]


class DismissRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    descriptor: str = Field(min_length=1)
    profile: str = Field(min_length=1)


class DismissResponse(BaseModel):
    video_id: str
    descriptor: str
    profile: str
    dismissed_runs: int


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    at: datetime
    video_id: str
    action: str
    descriptors: list[str]
    profile: str
    reason: str | None
    status: str
    duration_ms: int | None
    run_id: str | None
    detail: str | None


class HistoryList(BaseModel):
    history: list[HistoryEntryOut]
