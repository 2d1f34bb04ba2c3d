"""GraphQL types of delivery plans: the input that sets one, and the status of delivery against it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from server.graphql.convert import mirrors
from server.graphql.errors import MutationError, NotFoundError, ValidationError
from server.services.analytics.delivery import CheckpointStatus, DeliveryStatus, MilestoneStatus

__all__ = [
    "DeliveryPlanPayload",
    "DeliveryPlanResult",
    "DeliveryStatusResult",
    "DeliveryStatusType",
    "SetDeliveryPlanInput",
]


@strawberry.input(description="By `dueAt`, `targetTasks` tasks done or `targetShare` of the project's tasks (one of).")
class MilestoneInput:
    name: str
    due_at: datetime
    target_tasks: int | None = None
    target_share: float | None = None


@strawberry.input(description="No more than `plannedSpend` spent by `at`.")
class BudgetCheckpointInput:
    at: datetime
    planned_spend: float


@strawberry.input(description="A project's whole delivery plan; it replaces the previous one.")
class SetDeliveryPlanInput:
    project_id: relay.GlobalID
    expected_seconds_per_task: float | None = None
    milestones: list[MilestoneInput] = strawberry.field(default_factory=list)
    budget_checkpoints: list[BudgetCheckpointInput] = strawberry.field(default_factory=list)


@strawberry.type(description="The plan as stored.")
class DeliveryPlanPayload:
    project_id: relay.GlobalID
    expected_seconds_per_task: float | None
    milestones: int
    budget_checkpoints: int


DeliveryPlanResult = Annotated[DeliveryPlanPayload | MutationError, strawberry.union("DeliveryPlanResult")]


@mirrors(
    MilestoneStatus,
    computed={
        "expected_date": lambda m: m.forecast.expected_date,
        "earliest_date": lambda m: m.forecast.earliest_date,
        "latest_date": lambda m: m.forecast.latest_date,
    },
)
@strawberry.type(name="MilestoneStatus", description="One milestone against what is done and the forecast.")
class MilestoneStatusType:
    name: str
    due_at: datetime
    target_tasks: int
    done_tasks: int
    planned_by_now: float = strawberry.field(description="A straight line from the first task to the due date.")
    tasks_ahead: float = strawberry.field(description="Done minus planned by now; negative is behind.")
    status: str = strawberry.field(description="MET, MISSED, AHEAD or BEHIND.")
    expected_date: datetime | None = strawberry.field(description="When the forecast expects the target reached.")
    earliest_date: datetime | None
    latest_date: datetime | None
    days_early: float | None = strawberry.field(
        description="Due date minus expected date; negative is late; null once met."
    )


@mirrors(CheckpointStatus)
@strawberry.type(name="BudgetCheckpoint", description="Planned spend by a date against the project's cost.")
class BudgetCheckpointType:
    at: datetime
    planned_spend: float
    spent: float = strawberry.field(description="Spent by `at`; for a checkpoint still ahead, spent by `asOf`.")
    planned_by_now: float | None = strawberry.field(
        description="Ahead only: a straight line from the previous checkpoint (or nothing at the first task)."
    )
    projected_spend: float | None = strawberry.field(
        description="Ahead only: spent plus the last 14 days' mean daily spend up to `at`."
    )
    over_by: float = strawberry.field(description="Spent (or projected) minus planned; negative is under.")
    status: str = strawberry.field(description="WITHIN or OVER once passed; ON_PLAN or OVER_PACE while ahead.")


@mirrors(DeliveryStatus)
@strawberry.type(name="DeliveryProgress", description="A project's delivery against its plan, as of `asOf`.")
class DeliveryStatusType:
    as_of: datetime
    total_tasks: int
    done_tasks: int
    expected_seconds_per_task: float | None
    actual_seconds_per_task: float | None = strawberry.field(
        description="Labeling and rework seconds of the completed tasks' labels, per completed task."
    )
    milestones: list[MilestoneStatusType]
    budget_checkpoints: list[BudgetCheckpointType]


DeliveryStatusResult = Annotated[
    DeliveryStatusType | NotFoundError | ValidationError, strawberry.union("DeliveryProgressResult")
]
