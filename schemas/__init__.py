"""Pure data: artifact payload models, the envelope and the schema registry."""

from schemas.envelope import ENVELOPE_FIELDS, ArtifactEnvelope
from schemas.registry import PayloadValidationError, SchemaNotFoundError, SchemaRegistry

__all__ = [
    "ENVELOPE_FIELDS",
    "ArtifactEnvelope",
    "PayloadValidationError",
    "SchemaNotFoundError",
    "SchemaRegistry",
]
