"""GraphQL types of the before/after comparison of guideline versions (`guidelineImpact`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from server.graphql.convert import mirrors
from server.graphql.errors import NotFoundError, ValidationError
from server.services.analytics.guideline_impact import GuidelineImpact, VersionChange, VersionFigures
from server.services.analytics.intervals import Estimate

__all__ = ["GuidelineImpactResult", "GuidelineImpactType"]


@mirrors(Estimate)
@strawberry.type(name="Estimate", description="A figure with its 95% interval and the count it rests on.")
class EstimateType:
    value: float
    low: float
    high: float
    n: int


@mirrors(VersionFigures)
@strawberry.type(name="GuidelineVersionFigures", description="How labels made under one guideline version fared.")
class VersionFiguresType:
    number: int
    created_at: datetime
    change_note: str
    labels: int
    seconds_per_label: EstimateType | None = strawberry.field(description="Mean, Student t interval.")
    approval: EstimateType | None = strawberry.field(description="Thumbs-up share of reviews, Wilson interval.")
    rework: EstimateType | None = strawberry.field(description="Reviewed labels sent back, Wilson interval.")
    benchmark_accuracy: EstimateType | None
    agreement: EstimateType | None = strawberry.field(
        description="Consensus tasks whose labels all agree on the ontology's categorical fields (n: tasks)."
    )
    pairwise_agreement: float | None
    note: str | None = strawberry.field(description="Set when the version has too few labels to compare.")


@mirrors(VersionChange)
@strawberry.type(
    name="GuidelineVersionChange",
    description="Version `toNumber` minus version `fromNumber`: differences with 95% intervals (Newcombe, Welch).",
)
class VersionChangeType:
    from_number: int
    to_number: int
    seconds_per_label: EstimateType | None
    approval: EstimateType | None
    rework: EstimateType | None
    benchmark_accuracy: EstimateType | None
    agreement: EstimateType | None
    note: str | None


@mirrors(GuidelineImpact)
@strawberry.type(
    name="GuidelineImpact", description="A project's labels split by the guideline version they were made under."
)
class GuidelineImpactType:
    min_labels: int = strawberry.field(description="Below this many labels a version gets a note.")
    versions: list[VersionFiguresType]
    changes: list[VersionChangeType]


GuidelineImpactResult = Annotated[
    GuidelineImpactType | NotFoundError | ValidationError, strawberry.union("GuidelineImpactResult")
]
