from typing import ClassVar

from pydantic import Field

from schemas.base import Confidence, InstantPayload, NonEmptyText, SmallIndex, StrictModel


class PlacePrediction(StrictModel):
    label: NonEmptyText
    class_index: SmallIndex
    confidence: Confidence


class PlaceClassification(InstantPayload):
    """Top-k scene categories for one sampled frame, most confident first."""

    ARTIFACT_TYPE: ClassVar[str] = "place.classification"

    predictions: list[PlacePrediction] = Field(min_length=1)
