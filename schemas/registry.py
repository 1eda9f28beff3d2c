"""The schema registry: which payload model validates a given (artifact type, version)."""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from schemas.base import Payload


class SchemaNotFoundError(LookupError):
    """No payload model is registered for the asked artifact type and version."""

    def __init__(self, artifact_type: str, version: int) -> None:
        super().__init__(f"no schema registered for artifact type {artifact_type!r} v{version}")
        self.artifact_type = artifact_type
        self.version = version


class PayloadValidationError(ValueError):
    """A payload does not match its schema; ``field`` is the dotted path of the first error."""

    def __init__(self, artifact_type: str, field: str, message: str) -> None:
        super().__init__(f"{artifact_type}: field {field!r}: {message}")
        self.artifact_type = artifact_type
        self.field = field
        self.message = message


class SchemaRegistry:
    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[Payload]] = {}

    def register(self, artifact_type: str, version: int, model: type[Payload]) -> None:
        key = (artifact_type, version)
        existing = self._models.get(key)
        if existing is not None and existing is not model:
            raise ValueError(f"{artifact_type} v{version} is already registered to {existing}")
        self._models[key] = model

    def get_schema(self, artifact_type: str, version: int) -> type[Payload]:
        try:
            return self._models[(artifact_type, version)]
        except KeyError:
            raise SchemaNotFoundError(artifact_type, version) from None

    def validate(self, artifact_type: str, version: int, payload: Mapping[str, Any]) -> Payload:
        model = self.get_schema(artifact_type, version)
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "<payload>"
            raise PayloadValidationError(artifact_type, field, first["msg"]) from exc

    def registered(self) -> list[tuple[str, int]]:
        return sorted(self._models)
