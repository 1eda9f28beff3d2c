"""``generated.selection.v1.json``: the frames chosen for an encode comparison and why,
in the format other comparison tools read (field names are the format's own)."""

from typing import Annotated, Literal

from pydantic import Field

from schemas.base import Confidence, FrameIndex, StrictModel
from schemas.payloads.frames import FrameKind

SELECTION_FILE_VERSION = "1"

# ASCII digits: the rust regex engine behind pattern= reads \d as any Unicode digit
Timecode = Annotated[str, Field(pattern=r"^[0-9]{2,}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$")]
# ISO 8601 in UTC: created_utc to the second, a clip's mtime to the nanosecond
UtcTimestamp = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$")
]
CacheKey = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
ClipRole = Literal["ref", "tgt"]
# text without NUL characters, checked by pydantic's own regex (no Python call per field:
# a file holds many thousands of records)
PlainText = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class ClipInput(StrictModel):
    role: ClipRole
    path: PlainText
    size: Annotated[int, Field(ge=0)]
    # a float (seconds since the epoch) in files written before the string form: read, so
    # their records still label frames, but never written (their cache key never matches)
    mtime: UtcTimestamp | Annotated[float, Field(strict=True, allow_inf_nan=False)]
    sha1: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]


class ConfigFingerprint(StrictModel):
    step: Annotated[int, Field(ge=1)]
    downscale_height: Annotated[int, Field(ge=1)]
    motion_method: Literal["edge", "absdiff"]
    scenecut_quantile: Annotated[float, Field(ge=0, le=1)]
    diff_radius: Annotated[int, Field(ge=0)]
    ignore_lead_seconds: Annotated[float, Field(ge=0)]
    ignore_trail_seconds: Annotated[float, Field(ge=0)]
    rng_seed: int


class SelectionInputs(StrictModel):
    clips: Annotated[list[ClipInput], Field(min_length=1)]
    config_fingerprint: ConfigFingerprint


class SelectionRecord(StrictModel):
    frame_index: FrameIndex
    ts_tc: Timecode
    type: FrameKind
    score: Confidence
    source: PlainText
    clip_role: ClipRole
    notes: PlainText


class SelectionFile(StrictModel):
    version: Literal["1"]
    created_utc: UtcTimestamp
    cache_key: CacheKey
    inputs: SelectionInputs
    selections: list[SelectionRecord]
