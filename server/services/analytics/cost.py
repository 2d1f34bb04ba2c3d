"""Cost: a usage tracker per project, vendor and day, cost per accepted label and budget burn.

Pricing is applied in SQL (see `_labels._priced_labels` and `_labels._priced_reviews`) at the rates in force on the
UTC day of the work (`server.db.rates`): an HOURLY vendor bills the labeler's labeling plus rework time at the
labeler's hourly rate, and its reviewers' review time at the reviewer's hourly rate; a PER_LABEL vendor bills its
rate per accepted label (its reviewing is in the price). A label's cost is booked on the day it was submitted to
the labeler's vendor; a review's on the day it was made to the reviewer's vendor. Budget burn is the project's
cost, labeling and review, of everything before the window's end (from the start of the project) over its budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.services.analytics._labels import LabelRollup, fetch_label_rollup
from server.services.analytics._sql import share
from server.services.analytics.scope import Scope

__all__ = [
    "Budget",
    "CostMetrics",
    "UsageRow",
    "budget_from",
    "cost_from",
    "cost_metrics",
]


@dataclass(frozen=True, slots=True)
class UsageRow:
    day: str
    project_id: int
    vendor_id: int
    labels: int
    accepted_labels: int
    hours: float  # labeling plus rework
    review_hours: float  # the vendor's reviewers' time on the project
    labeling_cost: float
    review_cost: float
    cost: float  # labeling_cost + review_cost


@dataclass(frozen=True, slots=True)
class Budget:
    budget: float | None
    spent: float  # all labels of the project submitted before the window's end
    burn: float | None  # spent / budget
    remaining: float | None


@dataclass(frozen=True, slots=True)
class CostMetrics:
    cost: float  # labeling_cost + review_cost
    labeling_cost: float
    review_cost: float
    accepted_labels: int
    cost_per_accepted_label: float | None
    hours: float  # labeling plus rework
    review_hours: float
    usage: tuple[UsageRow, ...]
    budget: Budget | None


def cost_from(rollup: LabelRollup, budget: Budget | None = None) -> CostMetrics:
    usage = tuple(
        UsageRow(
            day=day,
            project_id=project_id,
            vendor_id=vendor_id,
            labels=sums.labels,
            accepted_labels=sums.accepted,
            hours=(sums.seconds + sums.rework_seconds) / 3600.0,
            review_hours=sums.review_seconds / 3600.0,
            labeling_cost=sums.cost,
            review_cost=sums.review_cost,
            cost=sums.all_cost,
        )
        for (project_id, vendor_id, day), sums in rollup.usage.items()
    )
    total = rollup.total
    return CostMetrics(
        cost=total.all_cost,
        labeling_cost=total.cost,
        review_cost=total.review_cost,
        accepted_labels=total.accepted,
        cost_per_accepted_label=share(total.all_cost, total.accepted),
        hours=(total.seconds + total.rework_seconds) / 3600.0,
        review_hours=total.review_seconds / 3600.0,
        usage=usage,
        budget=budget,
    )


def budget_from(rollup: LabelRollup, budget: float | None) -> Budget:
    """The budget burn from a rollup fetched with `history=True`."""
    spent = rollup.to_date.cost if rollup.to_date is not None else 0.0
    return Budget(
        budget=budget, spent=spent, burn=share(spent, budget), remaining=None if budget is None else budget - spent
    )


async def cost_metrics(session: AsyncSession, scope: Scope, *, budget: float | None = None) -> CostMetrics:
    """The scope's cost in one statement (with the cost to date against `budget` when it is a whole project)."""
    whole_project = scope.project_id is not None and scope.vendor_id is None and scope.labeler_id is None
    rollup = await fetch_label_rollup(session, scope, history=whole_project)
    project_budget = budget_from(rollup, budget) if whole_project else None
    return cost_from(rollup, project_budget)
