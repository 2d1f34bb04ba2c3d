"""GraphQL types of the before/after comparison of guideline versions (`guidelineImpact`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

import strawberry

from server.graphql.errors import NotFoundError, ValidationError
from server.services.analytics.guideline_impact import GuidelineImpact, VersionChange, VersionFigures
from server.services.analytics.intervals import Estimate

__all__ = ["GuidelineImpactResult", "GuidelineImpactType"]


@strawberry.type(name="Estimate", description="A figure with its 95% interval and the count it rests on.")
class EstimateType:
    value: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, estimate: Estimate | None) -> Self | None:
        if estimate is None:
            return None
        return cls(value=estimate.value, low=estimate.low, high=estimate.high, n=estimate.n)


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

    @classmethod
    def of(cls, figures: VersionFigures) -> Self:
        return cls(
            number=figures.number,
            created_at=figures.created_at,
            change_note=figures.change_note,
            labels=figures.labels,
            seconds_per_label=EstimateType.of(figures.seconds_per_label),
            approval=EstimateType.of(figures.approval),
            rework=EstimateType.of(figures.rework),
            benchmark_accuracy=EstimateType.of(figures.benchmark_accuracy),
            agreement=EstimateType.of(figures.agreement),
            pairwise_agreement=figures.pairwise_agreement,
            note=figures.note,
        )


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

    @classmethod
    def of(cls, change: VersionChange) -> Self:
        return cls(
            from_number=change.from_number,
            to_number=change.to_number,
            seconds_per_label=EstimateType.of(change.seconds_per_label),
            approval=EstimateType.of(change.approval),
            rework=EstimateType.of(change.rework),
            benchmark_accuracy=EstimateType.of(change.benchmark_accuracy),
            agreement=EstimateType.of(change.agreement),
            note=change.note,
        )


@strawberry.type(
    name="GuidelineImpact", description="A project's labels split by the guideline version they were made under."
)
class GuidelineImpactType:
    min_labels: int = strawberry.field(description="Below this many labels a version gets a note.")
    versions: list[VersionFiguresType]
    changes: list[VersionChangeType]

    @classmethod
    def of(cls, impact: GuidelineImpact) -> Self:
        return cls(
            min_labels=impact.min_labels,
            versions=[VersionFiguresType.of(v) for v in impact.versions],
            changes=[VersionChangeType.of(c) for c in impact.changes],
        )


GuidelineImpactResult = Annotated[
    GuidelineImpactType | NotFoundError | ValidationError, strawberry.union("GuidelineImpactResult")
]
