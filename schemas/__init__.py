"""Pure data: artifact payload models, the envelope and the schema registry.

Importing this package registers every v1 payload model in ``default_registry``.
"""

from schemas.envelope import ENVELOPE_FIELDS, ArtifactEnvelope
from schemas.payloads import PAYLOAD_MODELS
from schemas.registry import (
    PayloadValidationError,
    SchemaNotFoundError,
    SchemaRegistry,
    default_registry,
)

for _model in PAYLOAD_MODELS:
    default_registry.register(_model.ARTIFACT_TYPE, _model.SCHEMA_VERSION, _model)

__all__ = [
    "ENVELOPE_FIELDS",
    "PAYLOAD_MODELS",
    "ArtifactEnvelope",
    "PayloadValidationError",
    "SchemaNotFoundError",
    "SchemaRegistry",
    "default_registry",
]
