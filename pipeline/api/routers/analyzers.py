"""What the analyzers produce, as they declare it (pipeline/analysis/declarations.py): the
web app builds its lanes and its Runs form from this, and a client learns the artifact
types, jump kinds and filters it may ask for."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.api.dependencies import Context
from pipeline.api.routers import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["analyzers"])
NO_LANE_ORDER = 1_000_000


class LaneOut(BaseModel):
    title: str
    order: int = Field(description="lanes are shown by order, then title")
    rows: str = Field(description="one, label (a row per label) or person (a row per person)")
    item: str | None = Field(
        description="an item's text: {payload.path} placeholders, |percent and |ordinal; "
        "null: the projected text, else the label"
    )
    inline_text: bool = Field(description="the text is written inside the item")
    track: str | None = Field(description="payload field joining a row's items into bars")
    thumbnail: str | None = Field(description="payload box cut out of its frame for the row")
    found_as: str | None = Field(description="the label of a find hit of this type (said, ...)")


class ProducesOut(BaseModel):
    artifact_type: str
    schema_version: int = Field(description="the version new artifacts are written with")
    schema_versions: list[int] = Field(description="every version that stays readable")
    jump_kind: str | None = Field(description="the `kind` of jump for this type; null: none")
    filters: list[str] = Field(description="what a jump may filter by: label, person, ...")
    projects: dict[str, str] = Field(description="filter -> the payload field it reads")
    lane: LaneOut | None


class AnalyzerOut(BaseModel):
    name: str
    profiles: list[str]
    produces: ProducesOut | None = Field(description="null: the analyzer writes no artifacts")


class AnalyzerList(BaseModel):
    default_profile: str
    analyzers: list[AnalyzerOut]


@router.get("/analyzers", response_model=AnalyzerList)
def list_analyzers(context: Context) -> AnalyzerList:
    """Every analyzer (built-in and plugins), its profiles, and what it produces: artifact
    type, schema versions, jump kind, filters and lane; in the order of their lanes."""
    catalog = context.catalog
    vocabulary = catalog.vocabulary()
    analyzers = []
    for name in sorted(catalog.names(), key=lambda name: (_lane_order(catalog, name), name)):
        produces: Any = catalog.analyzer_class(name).produces
        described = None if produces is None else vocabulary.describe(produces.artifact_type)
        analyzers.append(
            AnalyzerOut(name=name, profiles=catalog.profiles_of(name), produces=described)
        )
    return AnalyzerList(default_profile=context.settings.default_profile, analyzers=analyzers)


def _lane_order(catalog: AnalyzerCatalog, name: str) -> int:
    """Analyzers are listed in the order of their lanes, those without one last."""
    produces: Any = catalog.analyzer_class(name).produces
    lane = None if produces is None else produces.lane
    return NO_LANE_ORDER if lane is None else int(lane.order)
