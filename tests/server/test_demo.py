"""The demo workspace: deterministic, idempotent, consistent, and shaped like real labeling work."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import func, select, text

from server.db import Base, Database
from server.db.enums import (
    Certification,
    IssueStatus,
    LabelerStage,
    LabelStatus,
    PricingModel,
    ReviewVerdict,
    TaskStatus,
    VendorStatus,
)
from server.db.models import (
    Comment,
    Issue,
    Label,
    Labeler,
    LabelerStageEvent,
    Project,
    Review,
    Task,
    Vendor,
)
from server.db.rates import FROM_THE_START, LabelerRate
from server.services.analytics import Scope, cost_metrics
from server.services.demo.catalog import VENDORS
from server.services.demo.generate import CURVE_FLOOR, CURVE_TAU_WEEKS, RAISE_DAY, WINDOW_DAYS, generate
from server.services.demo.seed import default_anchor, seed_demo
from server.services.errors import ValidationFailed

ANCHOR = datetime(2026, 1, 5, tzinfo=UTC)
SMALL = 0.1


async def _fingerprint(database: Database, anchor: datetime = ANCHOR) -> dict[str, Any]:
    """Row counts and a digest of the key columns of every table, with times relative to the anchor."""

    def relative(value: datetime | None) -> float | None:
        return None if value is None else (value - anchor).total_seconds()

    queries: dict[str, Any] = {
        "vendors": select(Vendor.name, Vendor.status, Vendor.pricing_model, Vendor.rate).order_by(Vendor.id),
        "labelers": select(Labeler.email, Labeler.stage, Labeler.hourly_rate, Labeler.created_at).order_by(Labeler.id),
        "stage_events": select(
            LabelerStageEvent.labeler_id, LabelerStageEvent.stage, LabelerStageEvent.entered_at
        ).order_by(LabelerStageEvent.id),
        "tasks": select(
            Task.external_id, Task.status, Task.created_at, Task.completed_at, Task.labels_required, Task.gold_answer
        ).order_by(Task.id),
        "labels": select(
            Label.task_id,
            Label.labeler_id,
            Label.answer,
            Label.status,
            Label.started_at,
            Label.submitted_at,
            Label.seconds_to_label,
            Label.rework_seconds,
            Label.rework_count,
        ).order_by(Label.id),
        "reviews": select(Review.label_id, Review.verdict, Review.seconds_to_review, Review.created_at).order_by(
            Review.id
        ),
        "issues": select(Issue.task_id, Issue.status, Issue.title, Issue.created_at).order_by(Issue.id),
        "comments": select(Comment.issue_id, Comment.body, Comment.created_at).order_by(Comment.id),
    }
    result: dict[str, Any] = {}
    async with database.session() as session:
        for name, query in queries.items():
            digest = hashlib.sha256()
            rows = (await session.execute(query)).all()
            for row in rows:
                values = [relative(v) if isinstance(v, datetime) else v for v in row]
                digest.update(json.dumps(values, sort_keys=True, default=str).encode())
            result[name] = (len(rows), digest.hexdigest())
    return result


async def _recreate(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)


async def test_same_seed_gives_identical_rows_and_another_seed_does_not(database: Database) -> None:
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SMALL)
    first = await _fingerprint(database)
    await _recreate(database)
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SMALL)
    second = await _fingerprint(database)
    await _recreate(database)
    await seed_demo(database, seed=8, anchor=ANCHOR, scale=SMALL)
    other = await _fingerprint(database)

    assert first == second
    assert first["labels"] != other["labels"]
    assert first["labels"][0] > 1000


async def test_rows_are_the_same_relative_to_any_anchor_on_the_same_weekday(database: Database) -> None:
    await seed_demo(database, anchor=ANCHOR, scale=SMALL)
    first = await _fingerprint(database, ANCHOR)
    await _recreate(database)
    later = ANCHOR + timedelta(weeks=3)
    await seed_demo(database, anchor=later, scale=SMALL)

    assert await _fingerprint(database, later) == first


async def test_seeding_twice_adds_nothing(database: Database) -> None:
    created = await seed_demo(database, anchor=ANCHOR, scale=SMALL)
    before = await _fingerprint(database)

    again = await seed_demo(database, anchor=ANCHOR + timedelta(days=9), scale=SMALL)

    assert created.created and not again.created
    assert await _fingerprint(database) == before
    counts = (again.vendors, again.projects, again.labelers, again.tasks, again.labels, again.reviews, again.issues)
    assert counts == (
        created.vendors,
        created.projects,
        created.labelers,
        created.tasks,
        created.labels,
        created.reviews,
        created.issues,
    )
    assert again.anchor == ANCHOR


def test_default_anchor_is_the_start_of_the_current_utc_day() -> None:
    now = datetime(2026, 3, 4, 17, 45, 12, tzinfo=UTC)
    assert default_anchor(now) == datetime(2026, 3, 4, tzinfo=UTC)


@pytest.mark.parametrize(("arguments", "field"), [({"scale": 0.0}, "scale"), ({"scale": 11.0}, "scale")])
async def test_bad_arguments_are_refused_naming_the_field(
    database: Database, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed, match=field):
        await seed_demo(database, **arguments)


async def test_a_naive_anchor_is_refused(database: Database) -> None:
    with pytest.raises(ValidationFailed, match="anchor"):
        await seed_demo(database, anchor=datetime(2026, 1, 5))


async def test_records_are_consistent_with_the_workflow_rules(database: Database) -> None:
    summary = await seed_demo(database, anchor=ANCHOR, scale=0.2)
    async with database.session() as session:
        tasks = {t.id: t for t in (await session.scalars(select(Task))).all()}
        labels = (await session.scalars(select(Label))).all()
        reviews = (await session.scalars(select(Review).order_by(Review.created_at, Review.id))).all()
        events = (await session.scalars(select(LabelerStageEvent))).all()
        labelers = (await session.scalars(select(Labeler))).all()
        vendors = (await session.scalars(select(Vendor))).all()
        issues = (await session.scalars(select(Issue))).all()
        comment_counts = dict(
            (await session.execute(select(Comment.issue_id, func.count()).group_by(Comment.issue_id))).all()
        )

    by_task: dict[int, list[Label]] = defaultdict(list)
    for label in labels:
        by_task[label.task_id].append(label)
    by_label: dict[int, list[Review]] = defaultdict(list)
    for review in reviews:
        by_label[review.label_id].append(review)
    production = {e.labeler_id: e.entered_at for e in events if e.stage == LabelerStage.PRODUCTION}
    offboarded = {e.labeler_id: e.entered_at for e in events if e.stage == LabelerStage.OFFBOARDED}

    for task in tasks.values():
        task_labels = by_task[task.id]
        accepted = [label for label in task_labels if label.status == LabelStatus.ACCEPTED]
        assert (task.status == TaskStatus.DONE) == (len(accepted) == task.labels_required), task.external_id
        if task.status == TaskStatus.DONE:
            assert task.completed_at is not None
            assert task.completed_at >= max(label.submitted_at for label in task_labels)
        else:
            assert task.completed_at is None
        if task.status == TaskStatus.IN_REWORK:
            assert any(label.status == LabelStatus.REJECTED for label in task_labels)
        assert (task.gold_answer is not None) == task.is_benchmark
        assert len({label.labeler_id for label in task_labels}) == len(task_labels) <= task.labels_required
        assert task.created_at < ANCHOR and task.due_at is not None and task.due_at > task.created_at

    for label in labels:
        task = tasks[label.task_id]
        assert task.created_at <= label.started_at < label.submitted_at <= ANCHOR
        assert abs((label.submitted_at - label.started_at).total_seconds() - label.seconds_to_label) <= 1.0
        assert production[label.labeler_id] <= label.started_at
        assert label.labeler_id not in offboarded or label.submitted_at < offboarded[label.labeler_id]
        label_reviews = by_label[label.id]
        downs = sum(review.verdict == ReviewVerdict.THUMBS_DOWN for review in label_reviews)
        assert all(label.submitted_at < review.created_at <= ANCHOR for review in label_reviews)
        if label.status == LabelStatus.REJECTED:
            assert label_reviews[-1].verdict == ReviewVerdict.THUMBS_DOWN
            assert label.rework_count == downs - 1
        else:
            assert label.rework_count == downs
        if label.status == LabelStatus.ACCEPTED and label_reviews:
            assert label_reviews[-1].verdict == ReviewVerdict.THUMBS_UP
        assert (label.rework_seconds > 0) == (label.rework_count > 0)

    assert {t.status for t in tasks.values()} == set(TaskStatus)
    assert {label.stage for label in labelers} == set(LabelerStage)
    assert {v.status for v in vendors} == set(VendorStatus)
    assert {v.pricing_model for v in vendors} == set(PricingModel)
    assert {c for v in vendors for c in v.certifications} == {str(c) for c in Certification}
    assert len({v.time_zone for v in vendors}) >= 3
    assert 55 <= len(labelers) <= 65
    assert {i.status for i in issues} == set(IssueStatus)
    assert all((i.status == IssueStatus.RESOLVED) == (i.resolved_at is not None) for i in issues)
    assert all(comment_counts.get(i.id, 0) >= 1 for i in issues)
    assert summary.labels == len(labels) and summary.tasks == len(tasks)


def test_labels_are_made_on_shift_and_tasks_wait_for_busy_labelers() -> None:
    rows = generate(7, ANCHOR, 1.0)
    start = ANCHOR - timedelta(days=WINDOW_DAYS)
    # Full-time labelers work weekdays, in their vendor's office hours (a shift starting 08:00-10:00 local).
    for label in rows.labels:
        vendor = VENDORS[rows.labelers[label["labeler_id"]]["vendor_id"]]
        if vendor.weekend_share == 0.0 and not vendor.reviewers:
            local = label["started_at"].astimezone(ZoneInfo(vendor.time_zone))
            assert local.weekday() < 5, (vendor.name, local)
            assert 7.9 <= local.hour + local.minute / 60.0 <= 20.0, (vendor.name, local)
    # The driving team is busy before the surge and the surge outgrows it: weekly labeling hours grow by far
    # less than the arrivals, and the tasks not yet labeled pile up in the last ten days.
    driving = [i for i, task in enumerate(rows.tasks) if task["project_id"] == 0]
    first_label: dict[int, float] = {}
    hours = np.zeros(8)
    for label in rows.labels:
        if rows.tasks[label["task_id"]]["project_id"] == 0:
            day = (label["started_at"] - start).total_seconds() / 86400.0
            first_label[label["task_id"]] = min(first_label.get(label["task_id"], np.inf), day)
            hours[int(day // 7)] += label["seconds_to_label"] / 3600.0
    created = np.array([(rows.tasks[i]["created_at"] - start).total_seconds() / 86400.0 for i in driving])
    started = np.array([first_label.get(i, np.inf) for i in driving])
    unstarted = [int(np.sum((created < day) & (started >= day))) for day in (35.0, 42.0, 49.0, 56.0)]
    assert unstarted[-1] > 1.5 * max(unstarted[:2])
    assert hours[7] < 1.3 * hours[5]


def test_staff_multiplies_every_cohort_and_the_capacity_with_it() -> None:
    # Given the same demand, with the default staff and with twice the staff
    single, double = generate(7, ANCHOR, 2.0), generate(7, ANCHOR, 2.0, 2)
    # Then every vendor has twice the labelers, and they label far more of the queue
    for vendor_index in range(len(VENDORS)):
        count = sum(1 for labeler in single.labelers if labeler["vendor_id"] == vendor_index)
        assert sum(1 for labeler in double.labelers if labeler["vendor_id"] == vendor_index) == 2 * count
    assert len(double.labels) > 1.5 * len(single.labels)
    with pytest.raises(ValueError, match="staff must be at least 1, got 0"):
        generate(7, ANCHOR, 1.0, 0)


def _expected_week_ratio() -> float:
    """Week-6 over week-1 mean of the generating curve A + (1 - A) exp(-t / tau), t in weeks."""
    a, tau = CURVE_FLOOR, CURVE_TAU_WEEKS

    def week_mean(start: float) -> float:
        return a + (1 - a) * tau * (np.exp(-start / tau) - np.exp(-(start + 1) / tau))

    return float(week_mean(5.0) / week_mean(0.0))


async def test_full_workspace_has_about_50k_labels_with_30_percent_faster_labelers_by_week_six(
    database: Database,
) -> None:
    summary = await seed_demo(database, anchor=ANCHOR, scale=1.0)
    statement = text(
        """
        SELECT l.labeler_id, l.started_at, l.seconds_to_label, e.entered_at
        FROM labels l JOIN labeler_stage_events e ON e.labeler_id = l.labeler_id AND e.stage = 'PRODUCTION'
        """
    ).columns(started_at=Label.started_at.type, entered_at=LabelerStageEvent.entered_at.type)
    async with database.session() as session:
        rows = (await session.execute(statement)).all()
        projects = await session.scalar(select(func.count(Project.id)))
    weeks: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for labeler_id, started_at, seconds, production in rows:
        weeks[labeler_id][int((started_at - production).total_seconds() // (7 * 86400))].append(seconds)
    # Each labeler against themselves, so the mix of projects and people does not move the ratio.
    ratios = np.array(
        [
            np.median(w[5]) / np.median(w[0])
            for w in weeks.values()
            if len(w.get(0, ())) >= 30 and len(w.get(5, ())) >= 30
        ]
    )
    rng = np.random.default_rng(2024)
    boot = np.median(rng.choice(ratios, size=(4000, ratios.size), replace=True), axis=1)
    low, high = np.quantile(boot, [0.025, 0.975])

    assert 45_000 <= summary.labels <= 55_000
    assert projects == 4
    assert ratios.size >= 12
    assert 0.70 <= float(np.median(ratios)) <= 0.75
    assert low <= _expected_week_ratio() <= high
    assert high < 0.8  # clearly faster: the interval excludes "no learning" by a wide margin


async def test_in_house_qa_shows_its_review_cost_and_veterans_their_raise(database: Database) -> None:
    await seed_demo(database, anchor=ANCHOR, scale=SMALL)
    async with database.session() as session:
        qa = (await session.execute(select(Vendor).where(Vendor.name == "LabelOps In-house QA"))).scalar_one()
        raised = (await session.execute(select(LabelerRate).order_by(LabelerRate.labeler_id))).scalars().all()
        cost = await cost_metrics(session, Scope(vendor_id=qa.id))
        current = {labeler.id: labeler.hourly_rate for labeler in (await session.execute(select(Labeler))).scalars()}
        if database.dialect == "postgresql":
            # seed-demo leaves the planner statistics fresh
            analysed = await session.scalar(
                text("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'labels' AND analyze_count > 0")
            )
            assert analysed == 1
    # The reviewers' labour is their vendor's cost (it labels nothing).
    assert cost.labeling_cost == 0.0
    assert cost.review_cost > 0.0 and cost.review_hours > 0.0
    # Each raised labeler: the old rate from the start, today's from day 28 of the window.
    by_labeler: dict[int, list[LabelerRate]] = defaultdict(list)
    for row in raised:
        by_labeler[row.labeler_id].append(row)
    assert by_labeler
    raise_day = (ANCHOR - timedelta(days=WINDOW_DAYS - RAISE_DAY)).date().isoformat()
    for labeler_id, (first, second) in by_labeler.items():
        assert (first.effective_day, second.effective_day) == (FROM_THE_START, raise_day)
        assert float(second.hourly_rate) == current[labeler_id]
        assert float(first.hourly_rate) == pytest.approx(current[labeler_id] / 1.05, abs=0.125)
