"""Analytics on the demo workspace: checked against plain Python loops over ORM rows, across dialects, and for a
statement count that does not depend on the data."""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime, timedelta
from itertools import permutations
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event, select

from server.db import Base, Database
from server.db.enums import DataType, IssueStatus, LabelerStage, LabelStatus, PricingModel, ReviewVerdict
from server.db.models import Issue, Label, Labeler, LabelerStageEvent, Project, Review, Task, Vendor
from server.db.rates import LabelerRate, VendorRate
from server.services.analytics import DASHBOARD_STATEMENTS, Scope, fetch_outliers, project_dashboard
from server.services.analytics.dashboard import scope_metrics
from server.services.analytics.outliers import PLATEAU_WEEK
from server.services.demo.seed import seed_demo
from tests.server.percentile_bound import assert_within_bound

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
START, END = ANCHOR - timedelta(days=28), ANCHOR
SCALE = 0.05


async def _seeded(database: Database) -> list[int]:
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SCALE)
    async with database.session() as session:
        return list((await session.execute(select(Project.id).order_by(Project.id))).scalars())


def _alpha(units: list[list[str]]) -> tuple[float, float | None]:
    """(pairwise agreement, Krippendorff's nominal alpha) from a coincidence matrix; alpha is None when every
    value is the same category (no disagreement is expected, so none can be measured against it)."""
    coincidences: Counter[tuple[str, str]] = Counter()
    agreeing = pairs = 0
    for values in units:
        m = len(values)
        for x, y in permutations(range(m), 2):
            coincidences[(values[x], values[y])] += 1 / (m - 1)
            pairs += 1
            agreeing += values[x] == values[y]
    totals: Counter[str] = Counter()
    for (x, _), weight in coincidences.items():
        totals[x] += weight
    n = sum(totals.values())
    observed = sum(weight for (x, y), weight in coincidences.items() if x != y) / n
    expected = sum(totals[x] * totals[y] for x in totals for y in totals if x != y) / (n * (n - 1))
    return agreeing / pairs, None if expected == 0 else 1 - observed / expected


# Whole days, and windows cut inside days: both edges, a single hour, and each bound alone.
WINDOWS = {
    "whole days": (START, END),
    "partial days": (START + timedelta(hours=5, minutes=30), END - timedelta(hours=3)),
    "one hour": (END - timedelta(days=3, hours=10), END - timedelta(days=3, hours=9)),
    "from only": (START + timedelta(hours=7), None),
    "to only": (None, END - timedelta(hours=13)),
}


def _in(moment: datetime | None, start: datetime | None = START, end: datetime | None = END) -> bool:
    return moment is not None and (start is None or start <= moment) and (end is None or moment < end)


def open_at(task: Task, moment: datetime) -> bool:
    """Whether the task was open at `moment`, from its timestamps: created before, not yet completed or archived."""
    return (
        task.created_at < moment
        and (task.completed_at is None or task.completed_at >= moment)
        and (task.archived_at is None or task.archived_at >= moment)
    )


async def _expected(
    database: Database, project_id: int, start: datetime | None = START, end: datetime | None = END
) -> dict[str, Any]:
    """The dashboard's headline figures over [start, end), computed with loops over ORM rows."""
    async with database.session() as session:
        project = (await session.execute(select(Project).where(Project.id == project_id))).scalar_one()
        rows = (
            await session.execute(
                select(Label, Task, Labeler, Vendor)
                .join(Task, Task.id == Label.task_id)
                .join(Labeler, Labeler.id == Label.labeler_id)
                .join(Vendor, Vendor.id == Labeler.vendor_id)
                .where(Task.project_id == project_id)
            )
        ).all()
        reviews = (
            await session.execute(
                select(Review, Label)
                .join(Label, Label.id == Review.label_id)
                .join(Task, Task.id == Label.task_id)
                .where(Task.project_id == project_id)
            )
        ).all()
        people = {labeler.id: labeler for labeler in (await session.execute(select(Labeler))).scalars()}
        vendors = {vendor.id: vendor for vendor in (await session.execute(select(Vendor))).scalars()}
        labeler_rates = (await session.execute(select(LabelerRate))).scalars().all()
        vendor_rates = (await session.execute(select(VendorRate))).scalars().all()
        tasks = (await session.execute(select(Task).where(Task.project_id == project_id))).scalars().all()
        issues = (await session.execute(select(Issue).where(Issue.project_id == project_id))).scalars().all()

    def in_force(history: Any, owner: str, owner_id: int, day: str, current: float) -> float:
        """The rate of the latest history row on or before `day` (the current rate without history)."""
        rows = sorted((row.effective_day, row) for row in history if getattr(row, owner) == owner_id)
        rates = [row for effective, row in rows if effective <= day]
        if not rates:
            return current
        return float(rates[-1].hourly_rate if owner == "labeler_id" else rates[-1].rate)

    def cost(label: Label, labeler: Labeler, vendor: Vendor) -> float:
        day = label.submitted_at.astimezone(UTC).date().isoformat()
        if vendor.pricing_model == PricingModel.PER_LABEL:
            rate = in_force(vendor_rates, "vendor_id", vendor.id, day, vendor.rate)
            return rate if label.status == LabelStatus.ACCEPTED else 0.0
        rate = in_force(labeler_rates, "labeler_id", labeler.id, day, labeler.hourly_rate)
        return (label.seconds_to_label + label.rework_seconds) / 3600 * rate

    def review_cost(review: Review) -> float:
        """A review's cost, to the reviewer's vendor: their time at their hourly rate when it bills by the hour."""
        reviewer = people[review.reviewer_id]
        if vendors[reviewer.vendor_id].pricing_model == PricingModel.PER_LABEL:
            return 0.0
        day = review.created_at.astimezone(UTC).date().isoformat()
        rate = in_force(labeler_rates, "labeler_id", reviewer.id, day, reviewer.hourly_rate)
        return review.seconds_to_review / 3600 * rate

    window = [
        (label, task, labeler, vendor) for label, task, labeler, vendor in rows if _in(label.submitted_at, start, end)
    ]
    times = [label.seconds_to_label for label, *_ in window]
    if not window:
        return {"labels": 0}
    bench = [(label, task) for label, task, *_ in window if task.is_benchmark and task.gold_answer is not None]
    decided = [lab for lab, *_ in window if lab.status != LabelStatus.SUBMITTED or lab.rework_count > 0]
    first_pass = [lab for lab, *_ in window if lab.status == LabelStatus.ACCEPTED and lab.rework_count == 0]
    window_reviews = [review for review, _ in reviews if _in(review.created_at, start, end)]
    has_review = {review.label_id for review, _ in reviews}
    reviewed = [lab for lab, *_ in window if lab.id in has_review]
    reviewed_pass = [lab for lab in reviewed if lab.status == LabelStatus.ACCEPTED and lab.rework_count == 0]
    per_day: Counter[str] = Counter(label.submitted_at.date().isoformat() for label, *_ in window)
    per_labeler: Counter[int] = Counter(label.labeler_id for label, *_ in window)

    by_task: dict[int, list[str]] = defaultdict(list)
    for label, task, *_ in window:
        if task.labels_required > 1:
            by_task[task.id].append(json.dumps(label.answer, sort_keys=True))
    units = [values for values in by_task.values() if len(values) >= 2]

    completed = [task for task in tasks if _in(task.completed_at, start, end)]
    assert all(task.completed_at is not None for task in completed)
    within = [
        task
        for task in completed
        if task.completed_at is not None
        and (task.completed_at - task.created_at).total_seconds() <= project.sla_turnaround_hours * 3600
    ]
    expected: dict[str, Any] = {
        "labels": len(window),
        "mean": sum(times) / len(times),
        "median": float(np.percentile(times, 50)),
        "p90": float(np.percentile(times, 90)),
        "accuracy": sum(label.answer == task.gold_answer for label, task in bench) / len(bench) if bench else None,
        "first_pass": len(first_pass) / len(decided) if decided else None,
        "reviewed": len(reviewed),
        "reviewed_first_pass": len(reviewed_pass) / len(reviewed) if reviewed else None,
        "rework_rate": sum(label.rework_count > 0 for label, *_ in window) / len(window),
        "reviews": len(window_reviews),
        "approval": sum(r.verdict == ReviewVerdict.THUMBS_UP for r in window_reviews) / len(window_reviews)
        if window_reviews
        else None,
        "review_median": float(np.percentile([r.seconds_to_review for r in window_reviews], 50))
        if window_reviews
        else None,
        "labeling_cost": sum(cost(label, labeler, vendor) for label, _, labeler, vendor in window),
        "review_cost": sum(review_cost(review) for review in window_reviews),
        "spent": sum(
            cost(lab, labeler, vendor) for lab, _, labeler, vendor in rows if end is None or lab.submitted_at < end
        )
        + sum(review_cost(review) for review, _ in reviews if end is None or review.created_at < end),
        "per_day": dict(per_day),
        "per_labeler": dict(per_labeler),
        "sla": len(within) / len(completed) if completed else None,
        "remaining": sum(open_at(task, end or datetime.now(UTC)) for task in tasks),
        "issues_raised": sum(_in(issue.created_at, start, end) for issue in issues),
        "issues_open": sum(_in(issue.created_at, start, end) and issue.status == IssueStatus.OPEN for issue in issues),
        "units": len(units),
    }
    if units:
        expected["pairwise"], expected["alpha"] = _alpha(units)
    return expected


@pytest.mark.parametrize("window", WINDOWS.values(), ids=list(WINDOWS))
async def test_dashboard_matches_python_over_orm_rows(
    database: Database, window: tuple[datetime | None, datetime | None]
) -> None:
    start, end = window
    project_ids = await _seeded(database)
    checked = 0
    gaps: list[float] = []  # first-pass acceptance minus its reviewed-only form, per project
    for project_id in project_ids:
        expected = await _expected(database, project_id, start, end)
        if expected["labels"] == 0:
            continue
        checked += 1
        async with database.session() as session:
            dashboard = await project_dashboard(session, project_id, start=start, end=end)
        approx = pytest.approx
        assert dashboard.speed.labels == expected["labels"]
        assert dashboard.speed.mean_seconds == approx(expected["mean"])
        assert_within_bound(dashboard.speed.median_seconds, expected["median"])
        assert_within_bound(dashboard.speed.p90_seconds, expected["p90"])
        if expected["review_median"] is None:
            assert dashboard.speed.median_review_seconds is None
        else:
            assert_within_bound(dashboard.speed.median_review_seconds, expected["review_median"])
        assert dashboard.quality.benchmark_accuracy == approx(expected["accuracy"])
        assert dashboard.quality.first_pass_acceptance == approx(expected["first_pass"])
        assert dashboard.quality.reviewed_labels == expected["reviewed"]
        assert dashboard.quality.reviewed_first_pass_acceptance == approx(expected["reviewed_first_pass"])
        if expected["reviewed_first_pass"] is not None:
            gaps.append(expected["first_pass"] - expected["reviewed_first_pass"])
        assert dashboard.quality.rework_rate == approx(expected["rework_rate"])
        assert dashboard.quality.reviews == expected["reviews"]
        assert dashboard.quality.approval_rate == approx(expected["approval"])
        assert dashboard.cost.labeling_cost == approx(expected["labeling_cost"])
        assert dashboard.cost.review_cost == approx(expected["review_cost"])
        assert dashboard.cost.cost == approx(expected["labeling_cost"] + expected["review_cost"])
        assert dashboard.cost.budget is not None
        assert dashboard.cost.budget.spent == approx(expected["spent"])
        assert {b.day.isoformat(): b.labels for b in dashboard.days if b.labels} == expected["per_day"]
        assert {row.labeler_id: row.labels for row in dashboard.labelers} == expected["per_labeler"]
        assert dashboard.sla.attainment == approx(expected["sla"])
        assert dashboard.forecast.remaining_tasks == expected["remaining"]
        assert (dashboard.issues.raised, dashboard.issues.open) == (expected["issues_raised"], expected["issues_open"])
        assert dashboard.agreement.units == expected["units"]
        if expected["units"]:
            assert dashboard.agreement.pairwise == approx(expected["pairwise"])
            assert dashboard.agreement.alpha == approx(expected["alpha"])
    assert checked
    if window == WINDOWS["whole days"]:
        # Labels accepted without review count as passes in the one and not in the other.
        assert max(gaps) > 0.02


@pytest.mark.parametrize("window", [WINDOWS["whole days"], WINDOWS["partial days"]], ids=["whole", "partial"])
async def test_outliers_match_python_over_orm_rows(
    database: Database, window: tuple[datetime | None, datetime | None]
) -> None:
    start, end = window
    project_ids = await _seeded(database)
    project_id = project_ids[0]
    async with database.session() as session:
        all_labels = (await session.execute(select(Label, Task).join(Task, Task.id == Label.task_id))).all()
        rows = await fetch_outliers(session, Scope(project_id=project_id, start=start, end=end), min_labels=3)
        production = (
            await session.execute(
                select(LabelerStageEvent.labeler_id, LabelerStageEvent.entered_at).where(
                    LabelerStageEvent.stage == LabelerStage.PRODUCTION
                )
            )
        ).all()
    # Tenure counts from the PRODUCTION stage event; a labeler without one, from their first label. Weeks from
    # PLATEAU_WEEK on are one cohort.
    first_day: dict[int, Any] = {}
    for labeler_id, entered_at in production:
        day = entered_at.date()
        first_day[labeler_id] = min(first_day.get(labeler_id, day), day)
    first_label: dict[int, Any] = {}
    for label, _ in all_labels:
        day = label.submitted_at.date()
        first_label[label.labeler_id] = min(first_label.get(label.labeler_id, day), day)
    for labeler_id, day in first_label.items():
        first_day.setdefault(labeler_id, day)
    weeks: dict[tuple[int, int], list[float]] = defaultdict(list)
    for label, task in all_labels:
        if task.project_id == project_id and _in(label.submitted_at, start, end):
            tenure_days = (label.submitted_at.date() - first_day[label.labeler_id]).days
            assert tenure_days >= 0  # the demo's labelers label only once in production
            weeks[(label.labeler_id, min(tenure_days // 7, PLATEAU_WEEK))].append(label.seconds_to_label)
    means = {key: sum(values) / len(values) for key, values in weeks.items() if len(values) >= 3}
    cohorts: dict[int, list[float]] = defaultdict(list)
    for (_, week), mean in means.items():
        cohorts[week].append(mean)
    assert len(rows) == len(means)
    # The veterans' pooled cohort is there, and is not a cohort of one.
    assert len(cohorts[PLATEAU_WEEK]) > 1
    for row in rows:
        cohort = cohorts[row.tenure_week]
        median = float(np.median(cohort))
        mad = float(np.median([abs(x - median) for x in cohort]))
        assert row.mean_seconds == pytest.approx(means[(row.labeler_id, row.tenure_week)])
        assert row.cohort_size == len(cohort)
        assert row.cohort_median_seconds == pytest.approx(median)
        assert row.cohort_mad_seconds == pytest.approx(mad)
        if mad > 0:
            assert row.robust_z == pytest.approx(0.6745 * (row.mean_seconds - median) / mad)


@pytest.mark.parametrize("window", WINDOWS.values(), ids=list(WINDOWS))
async def test_metrics_of_every_vendor_and_labeler_match_python(
    database: Database, window: tuple[datetime | None, datetime | None]
) -> None:
    start, end = window
    await _seeded(database)
    async with database.session() as session:
        rows = (
            await session.execute(
                select(Label, Labeler, Vendor)
                .join(Labeler, Labeler.id == Label.labeler_id)
                .join(Vendor, Vendor.id == Labeler.vendor_id)
            )
        ).all()
    in_window = [(label, labeler, vendor) for label, labeler, vendor in rows if _in(label.submitted_at, start, end)]
    scopes = {("vendor", vendor.id) for _, _, vendor in in_window} | {
        ("labeler", labeler.id) for _, labeler, _ in in_window[:: max(len(in_window) // 5, 1)]
    }
    for kind, key in sorted(scopes):
        mine = [label for label, labeler, vendor in in_window if (vendor.id if kind == "vendor" else labeler.id) == key]
        decided = [lab for lab in mine if lab.status != LabelStatus.SUBMITTED or lab.rework_count > 0]
        first_pass = [lab for lab in decided if lab.status == LabelStatus.ACCEPTED and lab.rework_count == 0]
        scope = Scope(start=start, end=end, **{f"{kind}_id": key})
        async with database.session() as session:
            metrics = await scope_metrics(session, scope)
        assert metrics.speed.labels == len(mine), (kind, key)
        assert metrics.speed.mean_seconds == pytest.approx(sum(lab.seconds_to_label for lab in mine) / len(mine))
        assert metrics.speed.rework_seconds == pytest.approx(sum(lab.rework_seconds for lab in mine))
        assert metrics.quality.first_pass_acceptance == pytest.approx(
            len(first_pass) / len(decided) if decided else None
        )
        assert metrics.quality.rework_rate == pytest.approx(sum(lab.rework_count > 0 for lab in mine) / len(mine))
        assert sum(row.labels for row in metrics.labelers) == len(mine)


async def test_dashboard_statement_count_is_fixed(database: Database) -> None:
    project_ids = await _seeded(database)
    async with database.transaction() as session:
        empty = Project(name="empty project", data_type=DataType.IMAGE)
        session.add(empty)
        await session.flush()
        empty_id = empty.id
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        counts = []
        for project_id, window in (
            (empty_id, (START, END)),
            (project_ids[0], (START, END)),
            (project_ids[0], (None, None)),
        ):
            statements.clear()
            async with database.session() as session:
                await project_dashboard(session, project_id, start=window[0], end=window[1])
            counts.append(len(statements))
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert counts == [DASHBOARD_STATEMENTS] * 3


def _assert_same(left: Any, right: Any, path: str = "dashboard") -> None:
    if is_dataclass(left) and not isinstance(left, type):
        for field in fields(left):
            _assert_same(getattr(left, field.name), getattr(right, field.name), f"{path}.{field.name}")
    elif isinstance(left, (list, tuple)):
        assert len(left) == len(right), path
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            _assert_same(a, b, f"{path}[{i}]")
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), path
        for key in left:
            _assert_same(left[key], right[key], f"{path}[{key!r}]")
    elif isinstance(left, float) and isinstance(right, float):
        # Sums of doubles in a different order can differ in the last bits; anything more is a real difference.
        # Fitted curve parameters come out of an iterative search that amplifies those bits, most where the
        # optimum is flat (a tau of months on a few weeks of data, as some partial windows give).
        fitted = ("initial_seconds", "plateau_seconds", "tau_days")
        tolerance = 1e-4 if path.endswith(fitted) or path.endswith(tuple(f"{name}_se" for name in fitted)) else 1e-9
        assert math.isclose(left, right, rel_tol=tolerance, abs_tol=tolerance), f"{path}: {left!r} != {right!r}"
    else:
        assert left == right, f"{path}: {left!r} != {right!r}"


@pytest.mark.skipif(
    not os.environ.get("LABELOPS_TEST_DATABASE_URL"), reason="needs a second dialect (LABELOPS_TEST_DATABASE_URL)"
)
async def test_same_answers_on_sqlite_and_postgresql(database: Database, tmp_path: Path) -> None:
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path / 'compare.sqlite3'}")
    async with sqlite.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        server_ids = await _seeded(database)
        sqlite_ids = await _seeded(sqlite)
        assert server_ids == sqlite_ids
        assert database.dialect != sqlite.dialect
        for project_id in server_ids:
            for start, end in WINDOWS.values():
                results = []
                for db in (database, sqlite):
                    async with db.session() as session:
                        as_of = end or ANCHOR
                        results.append(await project_dashboard(session, project_id, start=start, end=end, as_of=as_of))
                _assert_same(results[0], results[1])
        # The canonical answer text the comparisons rely on is the same string on both dialects.
        texts = []
        for db in (database, sqlite):
            async with db.session() as session:
                from server.db.sql import answer_text

                statement = select(answer_text(Label.answer)).order_by(Label.id).limit(200)
                texts.append(list((await session.execute(statement)).scalars()))
        assert texts[0] == texts[1]
    finally:
        await sqlite.dispose()
