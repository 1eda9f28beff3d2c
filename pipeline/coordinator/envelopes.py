"""Wrap analyzer payloads into artifact envelopes carrying the run's provenance."""

import uuid

from pipeline.db.models import Run, Video
from pipeline.db.types import utcnow
from schemas import ArtifactEnvelope
from schemas.base import Payload


def envelope_for(run: Run, video: Video, payload: Payload) -> ArtifactEnvelope:
    start_ms, end_ms = payload.span_ms()
    return ArtifactEnvelope(
        artifact_id=uuid.uuid4().hex,
        asset_id=video.video_id,
        artifact_type=payload.ARTIFACT_TYPE,
        schema_version=payload.SCHEMA_VERSION,
        span_start_ms=start_ms,
        span_end_ms=end_ms,
        payload=payload.model_dump(mode="json"),
        producer=run.analyzer,
        producer_version=run.engine_version,
        model_profile=run.profile,
        model_id=run.model_id,
        config_hash=run.config_hash,
        input_hash=video.content_hash,
        run_id=run.run_id,
        created_at=utcnow(),
    )
