"""The settings of a frame selection; the ``frames`` analyzer's config."""

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.selection_file import ConfigFingerprint

ENGINE_NAME = "eioku-frames"
ENGINE_VERSION = "1.0"
ENGINE_TAG = f"{ENGINE_NAME}/{ENGINE_VERSION}"  # the records' ``source``

# the config fields the selection file names in its fingerprint
FINGERPRINT_FIELDS = tuple(ConfigFingerprint.model_fields)


class SelectionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: int = Field(default=2, ge=1, description="metrics on every step-th frame")
    downscale_height: int = Field(default=480, ge=16, le=4320)
    motion_method: Literal["edge", "absdiff"] = "edge"
    scenecut_quantile: float = Field(
        default=0.0, ge=0, le=1, description="motion above this quantile is a cut (0 = off)"
    )
    diff_radius: int = Field(default=1, ge=0, le=100, description="motion smoothed over ±radius")
    ignore_lead_seconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    ignore_trail_seconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    min_window_seconds: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    rng_seed: int = 20202020
    dark_count: int = Field(default=20, ge=0, le=10000)
    bright_count: int = Field(default=10, ge=0, le=10000)
    motion_count: int = Field(default=15, ge=0, le=10000)
    random_count: int = Field(default=15, ge=0, le=10000)
    dark_quantile: float = Field(default=0.20, ge=0, le=1)
    bright_quantile: float = Field(default=0.80, ge=0, le=1)
    screen_separation_seconds: float = Field(default=6.0, ge=0, allow_inf_nan=False)
    frame_count_tolerance: int = Field(
        default=2, ge=0, description="largest frame-count difference between compared clips"
    )
    user_frames: list[int] = Field(default_factory=list, description="frames always chosen")

    @model_validator(mode="after")
    def _valid_frames(self) -> "SelectionConfig":
        if any(frame < 0 for frame in self.user_frames):
            raise ValueError("user_frames must not be negative")
        return self

    def fingerprint(self) -> ConfigFingerprint:
        return ConfigFingerprint(**{name: getattr(self, name) for name in FINGERPRINT_FIELDS})

    def engine_id(self) -> str:
        """The engine tag plus a digest of every setting the fingerprint does not name
        (counts, quantiles, separation, user frames): they change the frames chosen, so
        they must change the file's cache key too."""
        rest = self.model_dump(exclude=set(FINGERPRINT_FIELDS))
        canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"))
        return f"{ENGINE_TAG}+{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"
