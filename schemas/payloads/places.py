from typing import Annotated, ClassVar

from pydantic import Field

from schemas.base import Confidence, InstantPayload, NonEmptyText, StrictModel


class PlacePrediction(StrictModel):
    label: NonEmptyText
    class_index: Annotated[int, Field(strict=True, ge=0)]
    confidence: Confidence


class PlaceClassification(InstantPayload):
    """Top-k scene categories for one sampled frame, most confident first."""

    ARTIFACT_TYPE: ClassVar[str] = "place.classification"

    predictions: list[PlacePrediction] = Field(min_length=1)
