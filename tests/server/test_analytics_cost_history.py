"""Cost at the rate in force on the day of the work, and reviewers' labour booked to their vendor, on whole-day
windows (from the rollups) and partial ones (from the rows), with work exactly at a rate's first midnight."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.db import Database
from server.db.enums import LabelStatus, PricingModel, ReviewVerdict
from server.db.rates import FROM_THE_START, LabelerRate, VendorRate
from server.services.analytics import Scope, cost_metrics
from server.services.analytics.dashboard import project_dashboard
from tests.server.test_analytics_world import World, day

# Day 2 (2024-03-06) is the first day of the new rates.
RAISE = "2024-03-06"


async def _world(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        w = World(session)
        hourly = await w.vendor(PricingModel.HOURLY)
        per_label = await w.vendor(PricingModel.PER_LABEL, rate=0.75)  # today's rate; 0.50 until day 2
        in_house_qa = await w.vendor(PricingModel.HOURLY)
        project = await w.project(budget=100.0)
        a = await w.labeler(hourly, hourly_rate=72.0)  # 0.01/s until day 2, then 0.02/s
        b = await w.labeler(per_label, hourly_rate=99.0)  # a per-label vendor: no hourly cost
        qa = await w.labeler(in_house_qa, hourly_rate=36.0)  # 0.005/s until day 2, then 0.01/s
        per_label_reviewer = await w.labeler(per_label, hourly_rate=99.0)
        session.add_all(
            [
                LabelerRate(labeler_id=a.id, effective_day=FROM_THE_START, hourly_rate=Decimal("36")),
                LabelerRate(labeler_id=a.id, effective_day=RAISE, hourly_rate=Decimal("72")),
                LabelerRate(labeler_id=qa.id, effective_day=FROM_THE_START, hourly_rate=Decimal("18")),
                LabelerRate(labeler_id=qa.id, effective_day=RAISE, hourly_rate=Decimal("36")),
                VendorRate(vendor_id=per_label.id, effective_day=FROM_THE_START, rate=Decimal("0.5")),
                VendorRate(vendor_id=per_label.id, effective_day=RAISE, rate=Decimal("0.75")),
            ]
        )
        first = await w.label(await w.task(project), a, at=day(1, 1), seconds=100)  # 1.00
        await w.label(await w.task(project), a, at=day(2), seconds=100)  # at the raise's midnight: 2.00
        await w.label(await w.task(project), a, at=day(2, 5), seconds=50)  # 1.00
        await w.label(await w.task(project), b, at=day(1, 3))  # 0.50
        await w.label(await w.task(project), b, at=day(2, 3))  # 0.75
        await w.label(await w.task(project), b, at=day(2, 4), status=LabelStatus.REJECTED)  # 0
        up = ReviewVerdict.THUMBS_UP
        await w.review(first, qa, up, seconds=60, at=day(1, 6))  # 0.30
        await w.review(first, qa, up, seconds=60, at=day(2, 6))  # 0.60
        await w.review(first, per_label_reviewer, up, seconds=100, at=day(2, 7))  # in the per-label price: 0
        return {
            "project": project.id,
            "hourly": hourly.id,
            "per_label": per_label.id,
            "qa": in_house_qa.id,
            "qa_reviewer": qa.id,
        }


@pytest.mark.parametrize(
    ("start", "end", "labeling", "review"),
    [
        (day(1), day(3), 4.00 + 1.25, 0.90),  # whole days: the rollups
        (day(1, 2), day(2, 5.5), 3.00 + 1.25, 0.30),  # two edges meeting at the raise's midnight: the rows
        (day(1, 2), day(3), 3.00 + 1.25, 0.90),  # an edge from the rows, day 2 from the rollups
        (day(2), day(2, 1), 2.00, 0.0),  # one hour from the raise's midnight
        (None, None, 4.00 + 1.25, 0.90),  # the whole history
    ],
    ids=["whole", "partial", "edge and day", "hour", "all"],
)
async def test_work_is_costed_at_the_rate_in_force_that_day(
    database: Database, start: object, end: object, labeling: float, review: float
) -> None:
    ids = await _world(database)
    async with database.session() as session:
        cost = await cost_metrics(session, Scope(project_id=ids["project"], start=start, end=end))  # type: ignore[arg-type]
    assert cost.labeling_cost == pytest.approx(labeling)
    assert cost.review_cost == pytest.approx(review)
    assert cost.cost == pytest.approx(labeling + review)


@pytest.mark.parametrize("window", [(day(1), day(3)), (day(1, 2), day(2, 6.5))], ids=["whole", "partial"])
async def test_review_labour_is_booked_to_the_reviewers_vendor_on_the_review_day(
    database: Database, window: tuple[object, object]
) -> None:
    ids = await _world(database)
    start, end = window
    async with database.session() as session:
        cost = await cost_metrics(session, Scope(project_id=ids["project"], start=start, end=end))  # type: ignore[arg-type]
        qa_vendor = await cost_metrics(session, Scope(vendor_id=ids["qa"], start=start, end=end))  # type: ignore[arg-type]
        qa_person = await cost_metrics(session, Scope(labeler_id=ids["qa_reviewer"], start=start, end=end))  # type: ignore[arg-type]
    usage = {(row.day, row.vendor_id): row for row in cost.usage}
    day1, day2 = usage[("2024-03-05", ids["qa"])], usage[("2024-03-06", ids["qa"])]
    assert (day1.labels, day1.review_hours, day1.review_cost, day1.cost) == (
        0,
        pytest.approx(60 / 3600),
        pytest.approx(0.30),
        pytest.approx(0.30),
    )
    assert day2.review_cost == pytest.approx(0.60)
    # The per-label vendor's reviewer is in its price: review hours, no review cost.
    per_label = usage[("2024-03-06", ids["per_label"])]
    assert per_label.review_cost == 0.0
    assert per_label.labeling_cost == pytest.approx(0.75)
    assert qa_vendor.cost == qa_vendor.review_cost == pytest.approx(0.90)
    assert qa_person.review_cost == pytest.approx(0.90)
    assert qa_vendor.labeling_cost == 0.0


async def test_budget_burn_and_day_rows_count_review_labour(database: Database) -> None:
    ids = await _world(database)
    async with database.session() as session:
        dashboard = await project_dashboard(session, ids["project"], start=day(2), end=day(2, 12))
    days = {bucket.day.isoformat(): bucket for bucket in dashboard.days}
    # Day 2 until noon: a's 2.00 + 1.00, b's 0.75, qa's 0.60.
    assert days["2024-03-06"].cost == pytest.approx(4.35)
    assert dashboard.cost.budget is not None
    # Everything before noon of day 2: day 1's 1.00 + 0.50 + 0.30 as well.
    assert dashboard.cost.budget.spent == pytest.approx(6.15)
    # The labeler rows hold their own labels' cost: a's 3.00 that day.
    rows = {row.labeler_id: row for row in dashboard.labelers}
    assert sorted(round(row.cost, 6) for row in rows.values()) == [0.75, 3.0]


@pytest.mark.parametrize(
    ("start", "end", "hourly_cost", "per_label_cost", "to_date"),
    [
        (day(1), day(2), 0.50, 0.0, 0.50),  # the day before the history's first row: the current rate
        (day(1), day(4), 0.50 + 2.00 + 4.00, 0.75 + 1.00, 8.25),  # whole days: the rollups
        (day(1, 2), day(3, 2), 2.00 + 4.00, 0.75 + 1.00, 8.25),  # edges at both ends: the rows
        (day(3), day(4), 4.00, 1.00, 8.25),  # the cost to date sums the days before the window
        (None, None, 0.50 + 2.00 + 4.00, 0.75 + 1.00, 8.25),  # the whole history
    ],
    ids=["first day", "whole", "partial", "last day", "all"],
)
async def test_each_day_is_priced_in_the_one_period_of_the_history_it_falls_in(
    database: Database, start: object, end: object, hourly_cost: float, per_label_cost: float, to_date: float
) -> None:
    """A history that starts after the first work (the days before its first row take the current rate) and
    changes twice: every day is priced in exactly one period, none counted twice or left out."""
    async with database.transaction() as session:
        w = World(session)
        hourly = await w.vendor(PricingModel.HOURLY)
        per_label = await w.vendor(PricingModel.PER_LABEL, rate=0.5)  # 0.5 until day 2, then 0.75, then 1.0
        project = await w.project(budget=100.0)
        c = await w.labeler(hourly, hourly_rate=18.0)  # 18/h until day 2, then 72/h, then 144/h
        d = await w.labeler(per_label)
        session.add_all(
            [
                LabelerRate(labeler_id=c.id, effective_day="2024-03-06", hourly_rate=Decimal("72")),
                LabelerRate(labeler_id=c.id, effective_day="2024-03-07", hourly_rate=Decimal("144")),
                VendorRate(vendor_id=per_label.id, effective_day="2024-03-06", rate=Decimal("0.75")),
                VendorRate(vendor_id=per_label.id, effective_day="2024-03-07", rate=Decimal("1.0")),
            ]
        )
        await w.label(await w.task(project), c, at=day(1, 1), seconds=100)  # 0.50
        await w.label(await w.task(project), c, at=day(2, 1), seconds=100)  # 2.00
        await w.label(await w.task(project), c, at=day(3, 1), seconds=100)  # 4.00
        await w.label(await w.task(project), d, at=day(2, 1))  # 0.75
        await w.label(await w.task(project), d, at=day(3, 1))  # 1.00
    async with database.session() as session:
        window = {"start": start, "end": end}
        project_cost = await cost_metrics(session, Scope(project_id=project.id, **window), budget=100.0)  # type: ignore[arg-type]
        labeler_cost = await cost_metrics(session, Scope(labeler_id=c.id, **window))  # type: ignore[arg-type]
        vendor_cost = await cost_metrics(session, Scope(vendor_id=per_label.id, **window))  # type: ignore[arg-type]
    assert project_cost.labeling_cost == pytest.approx(hourly_cost + per_label_cost)
    assert labeler_cost.labeling_cost == pytest.approx(hourly_cost)
    assert vendor_cost.labeling_cost == pytest.approx(per_label_cost)
    assert project_cost.budget is not None
    assert project_cost.budget.spent == pytest.approx(to_date)
