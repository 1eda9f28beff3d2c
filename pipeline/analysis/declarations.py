"""What an analyzer declares about its output, in its own module (docs/EXTENDING.md): the
artifact type it produces (its payload models, one per schema version), which payload
fields that type projects into the query tables, the jump kind that moves through it and
what its lane in the web app shows.

The schema registry, the projection rows, jump and find, the API's validation, `GET
/v1/analyzers` and the web app are all built from these declarations
(``pipeline.analysis.vocabulary``); nothing else lists analyzers or artifact types.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from schemas.base import Payload


class Filter(StrEnum):
    """What a jump (and the web app's lane) can narrow its candidates by."""

    LABEL = "label"
    PERSON = "person"
    CONFIDENCE = "confidence"
    TEXT = "text"


def field_value(payload: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a payload (``predictions.0.label``), None when absent."""
    value: Any = payload
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


@dataclass(frozen=True)
class Projection:
    """The payload fields (dotted paths) copied into the query tables when an artifact is
    written: a label and a confidence (jump by label, minimum confidence), a person (the
    face cluster within the video), and text (find, phrase search)."""

    label: str | None = None
    confidence: str | None = None
    person: str | None = None
    text: str | None = None

    @property
    def filters(self) -> frozenset[Filter]:
        """A filter applies where its field is projected."""
        fields = {
            Filter.LABEL: self.label,
            Filter.PERSON: self.person,
            Filter.CONFIDENCE: self.confidence,
            Filter.TEXT: self.text,
        }
        return frozenset(name for name, path in fields.items() if path is not None)

    @property
    def has_facets(self) -> bool:
        return any(path is not None for path in (self.label, self.confidence, self.person))

    def facets(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The label, person and confidence columns of one artifact's facet row."""
        return {
            "label": _optional(payload, self.label),
            "person": _optional(payload, self.person),
            "confidence": _optional(payload, self.confidence),
        }

    def text_of(self, payload: Mapping[str, Any]) -> str | None:
        return None if self.text is None else field_value(payload, self.text)

    def as_dict(self) -> dict[str, str]:
        return {name: path for name, path in asdict(self).items() if path is not None}


def _optional(payload: Mapping[str, Any], path: str | None) -> Any:
    return None if path is None else field_value(payload, path)


class Rows(StrEnum):
    """How a lane splits its items into rows."""

    ONE = "one"  # every item on one row
    LABEL = "label"  # a row per projected label
    PERSON = "person"  # a row per person


@dataclass(frozen=True)
class Lane:
    """What the web app's lane of an artifact type shows.

    ``item`` is the text of an item: a template whose ``{path}`` placeholders name payload
    fields, with ``{path|percent}`` (a 0..1 value as a percentage) and ``{path|ordinal}``
    (a 0-based index counted from 1); None shows the projected text, else the label.
    ``inline_text`` writes that text inside the item (spans), not only in its tooltip.
    ``track`` names a payload field whose equal values join a row's items into bars,
    ``thumbnail`` a box field (x, y, width, height) of an instant payload whose frame is
    cut out as the row's picture. ``found_as`` labels a find hit of this type ("said",
    "shown"; default: the title). Lanes are shown by ``order``, then title (the built-in
    lanes use 10 to 70)."""

    title: str
    order: int = 100
    rows: Rows = Rows.ONE
    item: str | None = None
    inline_text: bool = False
    track: str | None = None
    thumbnail: str | None = None
    found_as: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows": self.rows.value}


@dataclass(frozen=True)
class Produces:
    """The artifact type an analyzer produces.

    ``payload`` is the model every new artifact is written with; ``earlier_payloads`` the
    models of earlier schema versions, which stay readable. ``jump`` names the jump kind
    that moves through the type (None: not navigable); ``lane`` what the web app shows
    (None: no lane)."""

    payload: type[Payload]
    jump: str | None = None
    projects: Projection = Projection()
    lane: Lane | None = None
    earlier_payloads: tuple[type[Payload], ...] = ()

    @property
    def artifact_type(self) -> str:
        return self.payload.ARTIFACT_TYPE

    @property
    def schema_version(self) -> int:
        return self.payload.SCHEMA_VERSION

    @property
    def payload_models(self) -> tuple[type[Payload], ...]:
        """Every schema version's model, the current one last."""
        return (*self.earlier_payloads, self.payload)
