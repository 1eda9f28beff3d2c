"""The artifact envelope: one analyzer output plus everything needed to trace and select it."""

from datetime import datetime
from typing import Any, Self

from pydantic import Field, model_validator

from schemas.base import Milliseconds, StrictModel


class ArtifactEnvelope(StrictModel):
    artifact_id: str = Field(min_length=1)
    asset_id: str = Field(min_length=1)
    artifact_type: str = Field(min_length=1)
    schema_version: int = Field(strict=True, ge=1)
    span_start_ms: Milliseconds
    span_end_ms: Milliseconds
    payload: dict[str, Any]
    producer: str = Field(min_length=1)
    producer_version: str = Field(min_length=1)
    model_profile: str = Field(min_length=1)
    model_id: str = Field(min_length=1, description="model name/path and weights sha256")
    config_hash: str = Field(min_length=1)
    input_hash: str = Field(min_length=1)
    run_id: str = Field(min_length=1)
    created_at: datetime

    @model_validator(mode="after")
    def _span_ordered(self) -> Self:
        if self.span_start_ms > self.span_end_ms:
            raise ValueError(
                f"span_start_ms ({self.span_start_ms}) is after span_end_ms ({self.span_end_ms})"
            )
        return self


ENVELOPE_FIELDS: tuple[str, ...] = tuple(ArtifactEnvelope.model_fields)
