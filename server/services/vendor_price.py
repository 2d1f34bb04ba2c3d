"""What a vendor's accepted label really costs: its labeling plus the review of its labels, whoever reviewed them.

The analytics book a review to the reviewer's vendor (that is who bills for it), so a vendor's own cost per
accepted label leaves out the in-house or third-party reviewers who checked its work. Choosing between vendors
needs the other view: every review of the vendor's labels, priced as the analytics price it (the reviewer's
hourly rate in force on the review's day when their vendor bills by the hour, nothing extra when a per-label
price covers it), added to the vendor's labeling cost and spread over its accepted labels. Labels are placed in
the window by their submission, as everywhere else; their reviews count whenever they were made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.db.enums import PricingModel
from server.db.models import Label, Labeler, Review, Task, Vendor
from server.db.sql import day_bucket
from server.services.analytics import Scope, cost_metrics
from server.services.errors import NotFound, ValidationFailed
from server.services.rates import in_period, labeler_rate_periods

__all__ = ["EffectivePrice", "effective_price"]


@dataclass(frozen=True, slots=True)
class EffectivePrice:
    labels: int
    accepted_labels: int
    labeling_cost: float  # the vendor's labeling and rework, as its cost metrics bill it
    reviews: int  # reviews of those labels, by anyone
    review_cost: float  # what those reviews cost, billed by the reviewers' vendors
    cost: float  # labeling_cost + review_cost
    per_accepted_label: float | None  # cost / accepted_labels; None before anything is accepted


async def effective_price(session: AsyncSession, scope: Scope) -> EffectivePrice:
    """The effective price of `scope.vendor_id`'s accepted labels (on `scope.project_id` when given)."""
    if scope.vendor_id is None:
        raise ValidationFailed(("vendor_id",), None, "is required: the effective price is a vendor's")
    if scope.labeler_id is not None:
        raise ValidationFailed(("labeler_id",), scope.labeler_id, "is not a filter of the effective price")
    if await session.get(Vendor, scope.vendor_id) is None:
        raise NotFound("Vendor", scope.vendor_id, path=("vendor_id",))
    labeling = await cost_metrics(session, scope)
    reviews, review_cost = (await session.execute(_review_cost_statement(scope))).one()
    labels = (await session.execute(_label_count_statement(scope))).scalar_one()
    cost = labeling.labeling_cost + float(review_cost)
    accepted = labeling.accepted_labels
    return EffectivePrice(
        labels=int(labels),
        accepted_labels=accepted,
        labeling_cost=labeling.labeling_cost,
        reviews=int(reviews),
        review_cost=float(review_cost),
        cost=cost,
        per_accepted_label=cost / accepted if accepted else None,
    )


def _labels_in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    author = aliased(Labeler)
    conditions: list[ColumnElement[bool]] = [
        Label.labeler_id.in_(select(author.id).where(author.vendor_id == scope.vendor_id).scalar_subquery())
    ]
    if scope.project_id is not None:
        conditions.append(Label.task_id.in_(select(Task.id).where(Task.project_id == scope.project_id)))
    if scope.start is not None:
        conditions.append(Label.submitted_at >= scope.start)
    if scope.end is not None:
        conditions.append(Label.submitted_at < scope.end)
    return conditions


def _label_count_statement(scope: Scope) -> Select[Any]:
    return select(func.count(Label.id)).where(*_labels_in_scope(scope))


def _review_cost_statement(scope: Scope) -> Select[Any]:
    """(reviews, their cost): grouped per reviewer and day first, so each rate is looked up once per group."""
    reviewer = aliased(Labeler)
    day = day_bucket(Review.created_at)
    grouped = (
        select(
            Review.reviewer_id.label("reviewer_id"),
            reviewer.vendor_id.label("vendor_id"),
            day.label("day"),
            func.count(Review.id).label("reviews"),
            func.sum(Review.seconds_to_review).label("seconds"),
        )
        .join(Label, Label.id == Review.label_id)
        .join(reviewer, reviewer.id == Review.reviewer_id)
        .where(*_labels_in_scope(scope))
        .group_by(Review.reviewer_id, reviewer.vendor_id, day)
        .subquery("reviews_of_labels")
    )
    g = grouped.c
    rates = labeler_rate_periods("reviewer_rates")
    current = aliased(Labeler)  # the current hourly rate, for days without a history row
    hourly = g.seconds * func.coalesce(rates.c.rate, current.hourly_rate) / 3600.0
    cost = case((Vendor.pricing_model == PricingModel.PER_LABEL, literal(0.0, Float())), else_=hourly)
    return (
        select(func.coalesce(func.sum(g.reviews), 0), func.coalesce(cast(func.sum(cost), Float), literal(0.0, Float())))
        .join_from(grouped, Vendor, Vendor.id == g.vendor_id)
        .join(current, current.id == g.reviewer_id)
        .outerjoin(rates, in_period(rates, g.reviewer_id, g.day))
    )
