"""Training against production over GraphQL: `stageComparison`, figures by onboarding stage and the gaps."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry
from strawberry import relay

from server.auth.permissions import require_metrics_scope
from server.graphql.context import Info
from server.graphql.convert import from_service, mirrors
from server.graphql.enums import LabelerStage
from server.graphql.errors import NotFoundError, ValidationError, lookup_error
from server.graphql.guidelines.impact import EstimateType
from server.graphql.ids import decode_id
from server.services.analytics.stages import StageFigures, StageGap, fetch_stage_comparison
from server.services.errors import DomainError

__all__ = ["StageQueries"]


@strawberry.enum(description="What the stage figures are grouped by.")
class StageGrouping(enum.Enum):
    LABELER = "labeler"
    VENDOR = "vendor"
    PROJECT = "project"


_TYPES = {"labeler": "Labeler", "vendor": "Vendor", "project": "Project"}


def _group_id(by: StageGrouping, key: int) -> relay.GlobalID:
    return relay.GlobalID(_TYPES[by.value], str(key))


@mirrors(StageFigures, given=["group_id"])
@strawberry.type(name="StageFigures", description="Labels made by one group's labelers while in one stage.")
class StageFiguresType:
    group_id: relay.GlobalID
    stage: LabelerStage
    labels: int
    seconds_per_label: EstimateType | None
    benchmark_accuracy: EstimateType | None
    approval: EstimateType | None


@mirrors(StageGap, given=["group_id"])
@strawberry.type(name="StageGap", description="The later stage minus the earlier, with 95% intervals.")
class StageGapType:
    group_id: relay.GlobalID
    from_stage: LabelerStage
    to_stage: LabelerStage
    seconds_per_label: EstimateType | None
    benchmark_accuracy: EstimateType | None
    approval: EstimateType | None


@strawberry.type(name="StageComparison")
class StageComparisonType:
    figures: list[StageFiguresType]
    gaps: list[StageGapType]


StageComparisonResult = Annotated[
    StageComparisonType | NotFoundError | ValidationError, strawberry.union("StageComparisonResult")
]


@strawberry.type
class StageQueries:
    @strawberry.field(
        description="Time per label, benchmark accuracy and approval by the onboarding stage each label's author was "
        "in, per labeler, vendor or project, and the gap between consecutive stages. Scoped like operationsMetrics."
    )
    async def stage_comparison(
        self,
        info: Info,
        project_id: relay.GlobalID | None = None,
        vendor_id: relay.GlobalID | None = None,
        by: StageGrouping = StageGrouping.LABELER,
    ) -> StageComparisonResult:
        try:
            project = None if project_id is None else decode_id(project_id, "Project", ("project_id",))
            vendor = None if vendor_id is None else decode_id(vendor_id, "Vendor", ("vendor_id",))
            require_metrics_scope(info, project_id=project, vendor_id=vendor, dashboard=False)
            async with info.context.database.session() as session:
                figures, gaps = await fetch_stage_comparison(session, project_id=project, vendor_id=vendor, by=by.value)
        except DomainError as error:
            return lookup_error(error)
        return StageComparisonType(
            figures=[from_service(StageFiguresType, f, group_id=_group_id(by, f.group_id)) for f in figures],
            gaps=[from_service(StageGapType, g, group_id=_group_id(by, g.group_id)) for g in gaps],
        )
