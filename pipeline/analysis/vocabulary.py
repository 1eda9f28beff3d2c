"""The artifact types and jump kinds of every analyzer a catalog knows, read from their
declarations (``pipeline.analysis.declarations``): the schema registry that validates
payloads, the projection of each type, the kind that jumps through it."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.analysis.declarations import Filter, Produces, Projection
from pipeline.errors import EiokuError, ErrorKind
from schemas.registry import SchemaRegistry


class UnknownKindError(EiokuError, LookupError):
    """A jump kind (or find source) that no analyzer declares."""

    code = "invalid_parameter"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, name: str, known: Iterable[str], what: str = "kind") -> None:
        super().__init__(f"unknown {what} {name!r} (known: {', '.join(known) or 'none'})")
        self.name = name


class DeclarationConflictError(EiokuError, ValueError):
    """Two analyzers declare the same artifact type or jump kind differently."""

    code = "declaration_conflict"


@dataclass(frozen=True)
class Declared:
    """One artifact type as declared, and the analyzers that produce it."""

    produces: Produces
    analyzers: tuple[str, ...]


class Vocabulary:
    """Built once from the analyzers' declarations (analyzer name -> Produces). Several
    analyzers may produce one type (a test double beside the real one), as long as they
    declare it identically."""

    def __init__(self, declarations: Mapping[str, Produces]) -> None:
        by_type: dict[str, Declared] = {}
        for analyzer, produces in declarations.items():
            known = by_type.get(produces.artifact_type)
            if known is not None and known.produces != produces:
                raise DeclarationConflictError(
                    f"analyzers {known.analyzers[0]!r} and {analyzer!r} declare artifact "
                    f"type {produces.artifact_type!r} differently"
                )
            analyzers = (*known.analyzers, analyzer) if known else (analyzer,)
            by_type[produces.artifact_type] = Declared(produces, analyzers)
        self._types = dict(sorted(by_type.items()))
        self._kinds: dict[str, Produces] = {}
        for declared in self._types.values():
            kind = declared.produces.jump
            if kind is None:
                continue
            if kind in self._kinds:
                raise DeclarationConflictError(
                    f"artifact types {self._kinds[kind].artifact_type!r} and "
                    f"{declared.produces.artifact_type!r} both declare jump kind {kind!r}"
                )
            self._kinds[kind] = declared.produces
        self.registry = SchemaRegistry()
        for declared in self._types.values():
            for model in declared.produces.payload_models:
                self.registry.register(model.ARTIFACT_TYPE, model.SCHEMA_VERSION, model)

    @property
    def artifact_types(self) -> list[str]:
        return list(self._types)

    def declared(self, artifact_type: str) -> Declared | None:
        return self._types.get(artifact_type)

    def projection(self, artifact_type: str) -> Projection | None:
        declared = self._types.get(artifact_type)
        return None if declared is None else declared.produces.projects

    @property
    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def kind(self, name: str) -> Produces:
        """The artifact type a jump kind moves through (UnknownKindError)."""
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownKindError(name, self.kinds) from None

    @property
    def text_kinds(self) -> list[str]:
        """The kinds whose artifacts carry searchable text: what find searches."""
        return [name for name in self.kinds if Filter.TEXT in self._kinds[name].projects.filters]

    def text_kind(self, name: str) -> Produces:
        if name not in self.text_kinds:
            raise UnknownKindError(name, self.text_kinds, "text source")
        return self._kinds[name]

    def describe(self, artifact_type: str) -> dict[str, Any]:
        """A type's declaration as JSON (`GET /v1/analyzers`)."""
        produces = self._types[artifact_type].produces
        return {
            "artifact_type": produces.artifact_type,
            "schema_version": produces.schema_version,
            "schema_versions": [model.SCHEMA_VERSION for model in produces.payload_models],
            "jump_kind": produces.jump,
            "filters": sorted(name.value for name in produces.projects.filters),
            "projects": produces.projects.as_dict(),
            "lane": None if produces.lane is None else produces.lane.as_dict(),
        }
