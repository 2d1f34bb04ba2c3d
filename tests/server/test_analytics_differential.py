"""Every analytics figure with a stated guarantee, against an independent recomputation from the raw rows.

A small world is drawn from a seeded numpy generator: two projects (one with consensus and benchmark tasks), an
hourly, a per-label and an in-house review vendor whose rates change on a midnight inside the history, labels at
UTC midnight, on equal times and with equal durations, a labeler with one label and one with none, reviews days
after their labels, completions on their SLA limit and a microsecond past it, and issues. The windows are drawn
from the same generator and written with non-UTC offsets (+05:45, -07:00), with microseconds, bounds on a label's,
a review's or a completion's own time and a microsecond either side, one-microsecond windows, windows before and
after the data, and each bound alone. For each window the project, a vendor, a labeler, a vendor within a project
and a labeler with a single label are recomputed in plain Python from the rows and compared with
`scope_metrics` and `project_dashboard`: counts, sums, ratios, costs (review labour and the rate in force that
day included), budget, usage rows, issues, agreement (pairwise, Krippendorff's alpha, per labeler), learning-curve
points, completions, SLA attainment, open and breached tasks; percentiles within the documented bound, exact where
the README says so. A few windows go through GraphQL as well, written with offsets, and must give the same answer.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import IssueStatus, LabelerStage, LabelStatus, PricingModel, ReviewVerdict, TaskStatus
from server.db.models import Issue, Label, Labeler, LabelerStageEvent, Project, Review, Task, Vendor
from server.db.rates import FROM_THE_START, LabelerRate, VendorRate
from server.graphql import Context, schema
from server.graphql.ids import encode_id
from server.services.analytics import Scope
from server.services.analytics.dashboard import ProjectDashboard, ScopeMetrics, project_dashboard, scope_metrics
from server.settings import Settings
from tests.server.test_analytics_demo import _alpha
from tests.server.test_analytics_world import T0, World, day

SEED = 20261204
NEPAL = timezone(timedelta(hours=5, minutes=45))
PACIFIC = timezone(timedelta(hours=-7))
RAISE_DAY = 3  # the new rates apply from this day's midnight
SLA_HOURS = 30.0
US = timedelta(microseconds=1)
# The bound the README and the schema state for percentiles read from the histograms.
STATED_RELATIVE, STATED_ABSOLUTE = 0.0198, 0.005


# --- the world --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    projects: tuple[int, int]
    hourly: int
    per_label: int
    in_house: int
    single: int  # a labeler with exactly one label
    idle: int  # a labeler with no label and no review
    busiest: int  # the hourly vendor's labeler with the most labels


async def _world(database: Database) -> Ids:
    rng = np.random.default_rng(SEED)
    async with database.transaction() as session:
        w = World(session)
        hourly = await w.vendor(PricingModel.HOURLY)
        per_label = await w.vendor(PricingModel.PER_LABEL, rate=0.8)
        in_house = await w.vendor(PricingModel.HOURLY)
        consensus = await w.project(budget=500.0, sla_turnaround_hours=SLA_HOURS, sla_target_share=0.9)
        other = await w.project(sla_turnaround_hours=SLA_HOURS)
        people = [await w.labeler(hourly, hourly_rate=36.0 + 9 * i) for i in range(3)]
        people += [await w.labeler(per_label, hourly_rate=50.0) for _ in range(2)]
        reviewers = [await w.labeler(in_house, hourly_rate=30.0), await w.labeler(per_label, hourly_rate=40.0)]
        single = await w.labeler(hourly, hourly_rate=60.0)
        idle = await w.labeler(hourly, hourly_rate=20.0)
        raise_day = day(RAISE_DAY).date().isoformat()
        session.add_all(
            [
                LabelerRate(labeler_id=people[0].id, effective_day=FROM_THE_START, hourly_rate=Decimal("18")),
                LabelerRate(labeler_id=people[0].id, effective_day=raise_day, hourly_rate=Decimal("36")),
                # History from the raise only: before it, the current rate applies.
                LabelerRate(labeler_id=people[1].id, effective_day=raise_day, hourly_rate=Decimal("90")),
                LabelerRate(labeler_id=reviewers[0].id, effective_day=FROM_THE_START, hourly_rate=Decimal("12")),
                LabelerRate(labeler_id=reviewers[0].id, effective_day=raise_day, hourly_rate=Decimal("30")),
                VendorRate(vendor_id=per_label.id, effective_day=FROM_THE_START, rate=Decimal("0.5")),
                VendorRate(vendor_id=per_label.id, effective_day=raise_day, rate=Decimal("0.8")),
                # Tenure from a stage event in the middle of a day, after some of the labeler's labels.
                LabelerStageEvent(labeler_id=people[0].id, stage=LabelerStage.PRODUCTION, entered_at=day(1, 13.5)),
                LabelerStageEvent(labeler_id=people[0].id, stage=LabelerStage.PRODUCTION, entered_at=day(2, 1)),
            ]
        )
        answers = [{"c": "cat"}, {"c": "dog"}, {"c": "bird"}]
        # Durations: a few shared values (ties), times under the histogram's floor, one just above the lower edge of
        # a bin (where a bin's value is furthest above the time), and spread ones.
        bottom_of_a_bin = 0.01 * 1.04**330 * (1 + 1e-9)
        durations = [7.0, 12.5, 12.5, 30.0, 30.0, 30.0, 0.0, 0.004, bottom_of_a_bin, bottom_of_a_bin]
        labels: list[Label] = []
        shared_moment = day(2, 10.5)
        for index in range(64):
            project = consensus if index % 4 else other
            created = day(float(rng.integers(0, 6)), float(rng.uniform(0, 24)))
            is_consensus = project is consensus and index % 3 == 0
            is_benchmark = project is consensus and index % 5 == 0
            completed: datetime | None = None
            if index % 2 == 0:
                # Turnarounds around the SLA limit: on it, a microsecond or half a millisecond past, well within.
                offset = [
                    timedelta(hours=SLA_HOURS),
                    timedelta(hours=SLA_HOURS) + US,
                    timedelta(hours=SLA_HOURS, microseconds=500),
                    timedelta(hours=float(rng.uniform(1, 60))),
                ][index % 8 // 2]
                completed = created + offset
            task = await w.task(
                project,
                created_at=created,
                completed_at=completed,
                status=TaskStatus.DONE if completed is not None else TaskStatus.TO_LABEL,
                labels_required=3 if is_consensus else 1,
                is_benchmark=is_benchmark,
                gold_answer=answers[0] if is_benchmark else None,
                archived_at=created + timedelta(days=2) if index == 5 else None,
            )
            authors = rng.choice(len(people), size=3 if is_consensus else 1, replace=False)
            for author in authors:
                at = created + timedelta(hours=float(rng.uniform(0.5, 40)))
                roll = rng.random()
                if roll < 0.1:
                    at = datetime(at.year, at.month, at.day, tzinfo=UTC)  # exactly at UTC midnight
                elif roll < 0.2:
                    at = shared_moment  # several labels at the same instant
                elif roll < 0.3:
                    at = at.replace(microsecond=int(rng.integers(0, 1_000_000)))
                seconds = float(rng.choice(durations)) if rng.random() < 0.5 else float(rng.gamma(2.0, 40.0))
                status = [LabelStatus.ACCEPTED, LabelStatus.REJECTED, LabelStatus.SUBMITTED][int(rng.integers(0, 3))]
                reworks = int(rng.integers(0, 3)) if rng.random() < 0.3 else 0
                label = await w.label(
                    task,
                    people[int(author)],
                    answer=answers[int(rng.integers(0, 3))] if rng.random() < 0.5 else answers[0],
                    at=at,
                    seconds=seconds,
                    status=status,
                    rework_seconds=float(reworks * rng.uniform(5, 50)),
                    rework_count=reworks,
                )
                labels.append(label)
        await w.label(await w.task(consensus, created_at=day(1)), single, at=day(4, 9), seconds=30.0)
        # Some labels are reviewed twice (a second opinion), some once, some never.
        for label in [*labels, *labels[::5]]:
            if rng.random() < 0.55:
                when = label.submitted_at + timedelta(hours=float(rng.uniform(0.1, 60)))
                if rng.random() < 0.15:
                    when = datetime(when.year, when.month, when.day, tzinfo=UTC)
                    if when <= label.submitted_at:
                        when += timedelta(days=1)
                verdict = ReviewVerdict.THUMBS_UP if rng.random() < 0.7 else ReviewVerdict.THUMBS_DOWN
                reviewer = reviewers[int(rng.integers(0, 2))]
                seconds = float(rng.choice([20.0, 20.0, 45.0])) if rng.random() < 0.5 else float(rng.gamma(2, 15))
                await w.review(label, reviewer, verdict, seconds=seconds, at=when)
        for index, label in enumerate(labels[:: len(labels) // 8]):
            at = label.submitted_at + timedelta(hours=float(rng.uniform(0, 30)))
            resolved = at + timedelta(hours=float(rng.uniform(1, 50))) if index % 2 else None
            project = consensus if label.task_id in {t.id for t in await _tasks(session, consensus.id)} else other
            await w.issue(project, at=at, resolved_at=resolved, label=label if index % 3 else None, raised_by=people[0])
        counts = Counter(label.labeler_id for label in labels if label.labeler_id in {p.id for p in people[:3]})
        return Ids(
            projects=(consensus.id, other.id),
            hourly=hourly.id,
            per_label=per_label.id,
            in_house=in_house.id,
            single=single.id,
            idle=idle.id,
            busiest=counts.most_common(1)[0][0],
        )


async def _tasks(session: Any, project_id: int) -> list[Task]:
    return list((await session.execute(select(Task).where(Task.project_id == project_id))).scalars())


# --- the raw rows and the recomputation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    labels: list[Label]
    reviews: list[Review]
    tasks: dict[int, Task]
    labelers: dict[int, Labeler]
    vendors: dict[int, Vendor]
    projects: dict[int, Project]
    issues: list[Issue]
    labeler_rates: dict[int, list[tuple[str, float]]]
    vendor_rates: dict[int, list[tuple[str, float]]]

    by_id: dict[int, Label]
    production: dict[int, datetime]  # each labeler's first PRODUCTION stage event

    def label(self, label_id: int) -> Label:
        return self.by_id[label_id]


async def _rows(database: Database) -> Rows:
    async with database.session() as session:

        async def every(model: Any) -> list[Any]:
            return list((await session.execute(select(model))).scalars())

        labeler_rates: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for rate in await every(LabelerRate):
            labeler_rates[rate.labeler_id].append((rate.effective_day, float(rate.hourly_rate)))
        vendor_rates: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for vendor_rate in await every(VendorRate):
            vendor_rates[vendor_rate.vendor_id].append((vendor_rate.effective_day, float(vendor_rate.rate)))
        labels = await every(Label)
        production: dict[int, datetime] = {}
        for event in await every(LabelerStageEvent):
            if event.stage == LabelerStage.PRODUCTION:
                known = production.get(event.labeler_id)
                production[event.labeler_id] = event.entered_at if known is None else min(known, event.entered_at)
        return Rows(
            labels=labels,
            reviews=await every(Review),
            tasks={task.id: task for task in await every(Task)},
            labelers={labeler.id: labeler for labeler in await every(Labeler)},
            vendors={vendor.id: vendor for vendor in await every(Vendor)},
            projects={project.id: project for project in await every(Project)},
            issues=await every(Issue),
            labeler_rates={key: sorted(value) for key, value in labeler_rates.items()},
            vendor_rates={key: sorted(value) for key, value in vendor_rates.items()},
            by_id={label.id: label for label in labels},
            production=production,
        )


def _rate(history: list[tuple[str, float]] | None, day_: str, current: float) -> float:
    """The rate in force on `day_`: the latest history row from that day or before, else the current rate."""
    rate = current
    for effective, value in history or []:
        if effective <= day_:
            rate = value
    return rate


def _inside(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or start <= moment) and (end is None or moment < end)


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


@dataclass
class Sums:
    labels: int = 0
    seconds: float = 0.0
    rework_seconds: float = 0.0
    reworked: int = 0
    accepted: int = 0
    first_pass: int = 0
    reviewed_first_pass: int = 0
    decided: int = 0
    benchmarks: int = 0
    benchmarks_correct: int = 0
    cost: float = 0.0
    review_seconds: float = 0.0
    review_cost: float = 0.0
    reviews: int = 0
    thumbs_up: int = 0
    review_time: float = 0.0


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


class Reference:
    """The figures of one scope and window, from the rows alone."""

    def __init__(self, rows: Rows, scope: Scope) -> None:
        self.rows, self.scope = rows, scope
        start, end = scope.start, scope.end
        self.reviewed_labels = {review.label_id for review in rows.reviews}
        self.labels = [
            label
            for label in rows.labels
            if _inside(label.submitted_at, start, end) and self.owns(label.labeler_id, label)
        ]
        # Reviews in quality figures: by their time, attributed to the label's author.
        self.reviews = [
            review
            for review in rows.reviews
            if _inside(review.created_at, start, end)
            and self.owns(rows.label(review.label_id).labeler_id, rows.label(review.label_id))
        ]
        # Reviewers' labour: by their time, booked to the reviewer (and the reviewer's vendor).
        self.labour = [
            review
            for review in rows.reviews
            if _inside(review.created_at, start, end) and self.owns(review.reviewer_id, rows.label(review.label_id))
        ]

    def owns(self, person: int, label: Label) -> bool:
        scope = self.scope
        task = self.rows.tasks[label.task_id]
        return (
            (scope.project_id is None or task.project_id == scope.project_id)
            and (scope.vendor_id is None or self.rows.labelers[person].vendor_id == scope.vendor_id)
            and (scope.labeler_id is None or person == scope.labeler_id)
        )

    def label_cost(self, label: Label) -> float:
        labeler = self.rows.labelers[label.labeler_id]
        vendor = self.rows.vendors[labeler.vendor_id]
        when = _day(label.submitted_at)
        if vendor.pricing_model == PricingModel.PER_LABEL:
            rate = _rate(self.rows.vendor_rates.get(vendor.id), when, float(vendor.rate))
            return rate if label.status == LabelStatus.ACCEPTED else 0.0
        rate = _rate(self.rows.labeler_rates.get(labeler.id), when, float(labeler.hourly_rate))
        return (label.seconds_to_label + label.rework_seconds) * rate / 3600.0

    def review_cost(self, review: Review) -> float:
        reviewer = self.rows.labelers[review.reviewer_id]
        if self.rows.vendors[reviewer.vendor_id].pricing_model == PricingModel.PER_LABEL:
            return 0.0
        rate = _rate(self.rows.labeler_rates.get(reviewer.id), _day(review.created_at), float(reviewer.hourly_rate))
        return review.seconds_to_review * rate / 3600.0

    def sums(self, labels: Iterable[Label], reviews: Iterable[Review] = (), labour: Iterable[Review] = ()) -> Sums:
        s = Sums()
        for label in labels:
            task = self.rows.tasks[label.task_id]
            accepted = label.status == LabelStatus.ACCEPTED
            s.labels += 1
            s.seconds += label.seconds_to_label
            s.rework_seconds += label.rework_seconds
            s.reworked += label.rework_count > 0
            s.accepted += accepted
            s.first_pass += accepted and label.rework_count == 0
            s.reviewed_first_pass += accepted and label.rework_count == 0 and label.id in self.reviewed_labels
            s.decided += label.status != LabelStatus.SUBMITTED or label.rework_count > 0
            if task.is_benchmark and task.gold_answer is not None:
                s.benchmarks += 1
                s.benchmarks_correct += json.dumps(label.answer) == json.dumps(task.gold_answer)
            s.cost += self.label_cost(label)
        for review in reviews:
            s.reviews += 1
            s.thumbs_up += review.verdict == ReviewVerdict.THUMBS_UP
            s.review_time += review.seconds_to_review
        for review in labour:
            s.review_seconds += review.seconds_to_review
            s.review_cost += self.review_cost(review)
        return s

    def agreement(self) -> tuple[int, float | None, float | None, dict[int, tuple[int, int]]]:
        """Units, pairwise agreement, alpha (when the units are of one project; None otherwise, and with a single
        answer) and each scope labeler's (agreeing pairs, pairs)."""
        scope = self.scope
        by_task: dict[int, list[Label]] = defaultdict(list)
        for label in self.rows.labels:
            task = self.rows.tasks[label.task_id]
            if (
                task.labels_required > 1
                and _inside(label.submitted_at, scope.start, scope.end)
                and (scope.project_id is None or task.project_id == scope.project_id)
            ):
                by_task[task.id].append(label)
        people = scope.vendor_id is not None or scope.labeler_id is not None
        units = [
            group
            for group in by_task.values()
            if len(group) >= 2 and (not people or any(self.owns(label.labeler_id, label) for label in group))
        ]
        answers = [[json.dumps(label.answer) for label in group] for group in units]
        agreeing = sum(n * (n - 1) for values in answers for n in Counter(values).values())
        pairs = sum(len(values) * (len(values) - 1) for values in answers)
        # Alpha is within each project (see `agreement`): a single project's units give Krippendorff's own.
        alpha = None
        one_project = len({self.rows.tasks[group[0].task_id].project_id for group in units}) == 1
        if one_project and len({value for values in answers for value in values}) > 1:
            alpha = _alpha(answers)[1]
        labelers: dict[int, tuple[int, int]] = {}
        for group in units:
            counts = Counter(json.dumps(label.answer) for label in group)
            for label in group:
                if self.owns(label.labeler_id, label):
                    a, b = labelers.get(label.labeler_id, (0, 0))
                    labelers[label.labeler_id] = (a + counts[json.dumps(label.answer)] - 1, b + len(group) - 1)
        return len(units), _ratio(agreeing, pairs), alpha, labelers


def _holds_no_whole_day(scope: Scope) -> bool:
    """The README's exact case: a window cut inside days that holds no whole UTC day."""
    return not scope.whole_days and not scope.holds_a_whole_day


def _cut_days(scope: Scope) -> set[str]:
    return {
        _day(bound)
        for bound in (scope.start, scope.end)
        if bound is not None and bound.astimezone(UTC).time() != datetime.min.time()
    }


def _assert_percentiles(
    median: float | None, p90: float | None, values: list[float], *, exact: bool, what: str
) -> None:
    if not values:
        assert (median, p90) == (None, None), what
        return
    for estimate, percent in ((median, 50), (p90, 90)):
        truth = float(np.percentile(values, percent))
        if exact:
            assert estimate == pytest.approx(truth, rel=1e-9, abs=1e-9), f"{what} p{percent}"
        else:
            assert estimate is not None, what
            bound = STATED_RELATIVE * truth + STATED_ABSOLUTE
            assert abs(estimate - truth) <= bound, (
                f"{what} p{percent}: {estimate} is {abs(estimate - truth)} from {truth}"
            )


def _close(actual: float | None, expected: float | None, what: str) -> None:
    if expected is None:
        assert actual is None, f"{what}: {actual} for none"
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9), f"{what}: {actual} != {expected}"


def _check_scope(metrics: ScopeMetrics, ref: Reference) -> None:
    scope = ref.scope
    total = ref.sums(ref.labels, ref.reviews, ref.labour)
    quality, speed, cost = metrics.quality, metrics.speed, metrics.cost
    assert quality.labels == speed.labels == total.labels
    assert quality.benchmark_labels == total.benchmarks
    _close(quality.benchmark_accuracy, _ratio(total.benchmarks_correct, total.benchmarks), "benchmark accuracy")
    assert quality.reviews == speed.reviews == total.reviews
    _close(quality.approval_rate, _ratio(total.thumbs_up, total.reviews), "approval")
    _close(quality.first_pass_acceptance, _ratio(total.first_pass, total.decided), "first-pass acceptance")
    reviewed = total.decided - total.first_pass + total.reviewed_first_pass
    assert quality.reviewed_labels == reviewed
    _close(quality.reviewed_first_pass_acceptance, _ratio(total.reviewed_first_pass, reviewed), "reviewed first pass")
    _close(quality.rework_rate, _ratio(total.reworked, total.labels), "rework rate")

    _close(speed.mean_seconds, _ratio(total.seconds, total.labels), "mean seconds")
    exact = _holds_no_whole_day(scope)
    _assert_percentiles(
        speed.median_seconds,
        speed.p90_seconds,
        [label.seconds_to_label for label in ref.labels],
        exact=exact,
        what="time per label",
    )
    _close(speed.mean_review_seconds, _ratio(total.review_time, total.reviews), "mean review seconds")
    _assert_percentiles(
        speed.median_review_seconds,
        speed.p90_review_seconds,
        [review.seconds_to_review for review in ref.reviews],
        exact=exact,
        what="review time",
    )
    assert speed.reworked_labels == total.reworked
    _close(speed.rework_seconds, total.rework_seconds, "rework seconds")
    days = {_day(label.submitted_at) for label in ref.labels}
    assert speed.active_days == len(days)
    _close(speed.labels_per_day, _ratio(total.labels, len(days)), "labels per day")
    hours = (total.seconds + total.rework_seconds) / 3600.0
    _close(speed.labeling_hours, hours, "labeling hours")
    _close(speed.labels_per_labeler_hour, _ratio(total.labels, hours), "labels per labeler-hour")

    _close(cost.labeling_cost, total.cost, "labeling cost")
    _close(cost.review_cost, total.review_cost, "review cost")
    _close(cost.cost, total.cost + total.review_cost, "cost")
    assert cost.accepted_labels == total.accepted
    _close(cost.cost_per_accepted_label, _ratio(total.cost + total.review_cost, total.accepted), "cost per accepted")
    _close(cost.hours, hours, "cost hours")
    _close(cost.review_hours, total.review_seconds / 3600.0, "review hours")
    _check_usage(cost.usage, ref)
    whole_project = scope.project_id is not None and scope.vendor_id is None and scope.labeler_id is None
    if whole_project:
        assert cost.budget is not None
        before = Reference(ref.rows, Scope(project_id=scope.project_id, end=scope.end))
        spent = before.sums(before.labels, labour=before.labour)
        _close(cost.budget.spent, spent.cost + spent.review_cost, "budget spent")
        budget = ref.rows.projects[scope.project_id or 0].budget
        _close(cost.budget.burn, None if budget is None else (spent.cost + spent.review_cost) / float(budget), "burn")
    else:
        assert cost.budget is None

    _check_agreement(metrics, ref)
    _check_issues(metrics, ref)
    _check_labelers(metrics.labelers, ref)


def _check_usage(usage: Iterable[Any], ref: Reference) -> None:
    expected: dict[tuple[str, int, int], Sums] = defaultdict(Sums)
    for label in ref.labels:
        key = (
            _day(label.submitted_at),
            ref.rows.tasks[label.task_id].project_id,
            ref.rows.labelers[label.labeler_id].vendor_id,
        )
        s = expected[key]
        s.labels += 1
        s.accepted += label.status == LabelStatus.ACCEPTED
        s.seconds += label.seconds_to_label + label.rework_seconds
        s.cost += ref.label_cost(label)
    for review in ref.labour:
        label = ref.rows.label(review.label_id)
        key = (
            _day(review.created_at),
            ref.rows.tasks[label.task_id].project_id,
            ref.rows.labelers[review.reviewer_id].vendor_id,
        )
        s = expected[key]
        s.review_seconds += review.seconds_to_review
        s.review_cost += ref.review_cost(review)
    actual = {(row.day, row.project_id, row.vendor_id): row for row in usage}
    assert set(actual) == set(expected)
    for key, row in actual.items():
        s = expected[key]
        assert (row.labels, row.accepted_labels) == (s.labels, s.accepted), key
        _close(row.hours, s.seconds / 3600.0, f"usage hours {key}")
        _close(row.review_hours, s.review_seconds / 3600.0, f"usage review hours {key}")
        _close(row.labeling_cost, s.cost, f"usage labeling cost {key}")
        _close(row.review_cost, s.review_cost, f"usage review cost {key}")


def _check_agreement(metrics: ScopeMetrics, ref: Reference) -> None:
    units, pairwise, alpha, labelers = ref.agreement()
    agreement = metrics.agreement
    assert agreement.units == units
    _close(agreement.pairwise, pairwise, "pairwise agreement")
    if alpha is not None or len({row.project_id for row in agreement.by_project}) <= 1:
        _close(agreement.alpha, alpha, "alpha")
    assert {row.labeler_id: (row.agreeing_pairs, row.pairs) for row in agreement.by_labeler} == labelers


def _issue_owner(issue: Issue, rows: Rows) -> int | None:
    if issue.label_id is not None:
        return rows.label(issue.label_id).labeler_id
    return issue.raised_by_id


def _check_issues(metrics: ScopeMetrics, ref: Reference) -> None:
    scope, rows = ref.scope, ref.rows
    mine = []
    for issue in rows.issues:
        if scope.project_id is not None and issue.project_id != scope.project_id:
            continue
        if scope.vendor_id is not None or scope.labeler_id is not None:
            owner = _issue_owner(issue, rows)
            if owner is None:
                continue
            if scope.vendor_id is not None and rows.labelers[owner].vendor_id != scope.vendor_id:
                continue
            if scope.labeler_id is not None and owner != scope.labeler_id:
                continue
        mine.append(issue)
    raised = [issue for issue in mine if _inside(issue.created_at, scope.start, scope.end)]

    def resolved_by_end(issue: Issue) -> bool:
        return issue.status == IssueStatus.RESOLVED and (
            issue.resolved_at is None or scope.end is None or issue.resolved_at < scope.end
        )

    in_window = [
        issue
        for issue in mine
        if issue.status == IssueStatus.RESOLVED
        and issue.resolved_at is not None
        and _inside(issue.resolved_at, scope.start, scope.end)
    ]
    issues = metrics.issues
    assert issues.raised == len(raised)
    assert issues.resolved == sum(resolved_by_end(issue) for issue in raised)
    assert issues.open == len(raised) - issues.resolved
    assert issues.resolved_in_window == len(in_window)
    hours = [(issue.resolved_at - issue.created_at).total_seconds() / 3600 for issue in in_window if issue.resolved_at]
    if hours:
        assert issues.mean_hours_to_resolve == pytest.approx(sum(hours) / len(hours), abs=1e-6)
    else:
        assert issues.mean_hours_to_resolve is None


def _check_labelers(labelers: Iterable[Any], ref: Reference) -> None:
    by_labeler: dict[int, list[Label]] = defaultdict(list)
    for label in ref.labels:
        by_labeler[label.labeler_id].append(label)
    reviews: dict[int, list[Review]] = defaultdict(list)
    for review in ref.reviews:
        reviews[ref.rows.label(review.label_id).labeler_id].append(review)
    _, _, _, agreement = ref.agreement()
    rows = {row.labeler_id: row for row in labelers}
    assert set(rows) == set(by_labeler)
    exact = _holds_no_whole_day(ref.scope)
    for labeler_id, labels in by_labeler.items():
        row, s = rows[labeler_id], ref.sums(labels, reviews[labeler_id])
        assert row.vendor_id == ref.rows.labelers[labeler_id].vendor_id
        assert (row.labels, row.quality.labels, row.quality.reviews) == (s.labels, s.labels, s.reviews)
        _close(row.quality.approval_rate, _ratio(s.thumbs_up, s.reviews), f"labeler {labeler_id} approval")
        _close(row.quality.first_pass_acceptance, _ratio(s.first_pass, s.decided), f"labeler {labeler_id} first pass")
        _close(row.mean_seconds, _ratio(s.seconds, s.labels), f"labeler {labeler_id} mean")
        _close(row.labeling_hours, (s.seconds + s.rework_seconds) / 3600, f"labeler {labeler_id} hours")
        _close(row.cost, s.cost, f"labeler {labeler_id} cost")
        a, b = agreement.get(labeler_id, (0, 0))
        _close(row.agreement, _ratio(a, b), f"labeler {labeler_id} agreement")
        _assert_percentiles(
            row.median_seconds,
            row.p90_seconds,
            [label.seconds_to_label for label in labels],
            exact=exact,
            what=f"labeler {labeler_id} time per label",
        )


def _check_dashboard(dashboard: ProjectDashboard, ref: Reference, as_of: datetime) -> None:
    scope, rows = ref.scope, ref.rows
    project = rows.projects[scope.project_id or 0]
    limit = timedelta(hours=project.sla_turnaround_hours)
    tasks = [task for task in rows.tasks.values() if task.project_id == project.id]
    completed = [
        task for task in tasks if task.completed_at is not None and _inside(task.completed_at, scope.start, scope.end)
    ]
    within = [task for task in completed if task.completed_at - task.created_at <= limit]  # type: ignore[operator]
    sla = dashboard.sla
    assert (sla.completed, sla.within_sla) == (len(completed), len(within))
    _close(sla.attainment, _ratio(len(within), len(completed)), "SLA attainment")
    by_day = Counter(_day(task.completed_at) for task in completed if task.completed_at)
    within_by_day = Counter(_day(task.completed_at) for task in within if task.completed_at)
    assert {item.day: (item.completed, item.within_sla) for item in sla.by_day} == {
        key: (count, within_by_day[key]) for key, count in by_day.items()
    }
    still_open = [
        task
        for task in tasks
        if task.created_at < as_of
        and (task.completed_at is None or task.completed_at >= as_of)
        and (task.archived_at is None or task.archived_at >= as_of)
    ]
    assert dashboard.forecast.remaining_tasks == len(still_open)
    assert sla.open_breached == sum(as_of - task.created_at > limit for task in still_open)
    midnight = datetime.combine(as_of.astimezone(UTC).date(), datetime.min.time(), UTC)
    done_per_day = Counter(_day(task.completed_at) for task in tasks if task.completed_at is not None)
    assert list(dashboard.forecast.daily_completions) == [
        done_per_day[_day(midnight - timedelta(days=14 - i))] for i in range(14)
    ]

    labels_by_day: dict[str, list[Label]] = defaultdict(list)
    for label in ref.labels:
        labels_by_day[_day(label.submitted_at)].append(label)
    reviews_by_day: dict[str, list[Review]] = defaultdict(list)
    for review in ref.reviews:
        reviews_by_day[_day(review.created_at)].append(review)
    labour_by_day: dict[str, list[Review]] = defaultdict(list)
    for review in ref.labour:
        labour_by_day[_day(review.created_at)].append(review)
    buckets = {bucket.day.isoformat(): bucket for bucket in dashboard.days}
    if scope.start is not None and scope.end is not None:
        first, last = scope.start.astimezone(UTC).date(), (scope.end.astimezone(UTC) - US).date()
        assert list(buckets) == [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    else:
        assert (
            set(buckets) == set(labels_by_day) | set(reviews_by_day) | set(by_day) | set(labour_by_day) or not buckets
        )
    cut = _cut_days(scope)
    exact_days = _holds_no_whole_day(scope)
    for key, bucket in buckets.items():
        labels = labels_by_day.get(key, [])
        s = ref.sums(labels, reviews_by_day.get(key, []), labour_by_day.get(key, []))
        assert (bucket.labels, bucket.accepted_labels, bucket.reviews) == (s.labels, s.accepted, s.reviews), key
        _close(bucket.mean_seconds, _ratio(s.seconds, s.labels), f"{key} mean")
        _close(bucket.first_pass_acceptance, _ratio(s.first_pass, s.decided), f"{key} first pass")
        _close(bucket.rework_rate, _ratio(s.reworked, s.labels), f"{key} rework rate")
        _close(bucket.benchmark_accuracy, _ratio(s.benchmarks_correct, s.benchmarks), f"{key} benchmark accuracy")
        _close(bucket.approval_rate, _ratio(s.thumbs_up, s.reviews), f"{key} approval")
        _close(bucket.mean_review_seconds, _ratio(s.review_time, s.reviews), f"{key} mean review")
        _close(bucket.labeling_hours, (s.seconds + s.rework_seconds) / 3600, f"{key} hours")
        _close(bucket.cost, s.cost + s.review_cost, f"{key} cost")
        assert bucket.completed_tasks == by_day.get(key, 0), key
        _close(bucket.sla_attainment, _ratio(within_by_day.get(key, 0), by_day.get(key, 0)), f"{key} SLA")
        _assert_percentiles(
            bucket.median_seconds,
            bucket.p90_seconds,
            [label.seconds_to_label for label in labels],
            exact=exact_days or key in cut,
            what=f"{key} time per label",
        )
    _check_curves(dashboard, ref)


def _check_curves(dashboard: ProjectDashboard, ref: Reference) -> None:
    """Learning-curve points: each labeler's labels per day in the window, at the tenure day counted from their
    first PRODUCTION stage event, or without one from their first label ever."""
    first: dict[int, datetime] = dict(ref.rows.production)
    for label in ref.rows.labels:
        if label.labeler_id in ref.rows.production:
            continue
        if label.labeler_id not in first or label.submitted_at < first[label.labeler_id]:
            first[label.labeler_id] = label.submitted_at
    points: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for label in ref.labels:
        points[label.labeler_id][_day(label.submitted_at)].append(label.seconds_to_label)
    curves = {curve.labeler_id: curve for curve in dashboard.learning_curves}
    assert set(curves) == set(points)
    for labeler_id, days in points.items():
        start = first[labeler_id].astimezone(UTC).date()
        expected = sorted(
            ((datetime.fromisoformat(key).date() - start).days, key, len(values), sum(values) / len(values))
            for key, values in days.items()
        )
        actual = [(p.tenure_day, p.day, p.labels, p.mean_seconds) for p in curves[labeler_id].points]
        assert [item[:3] for item in actual] == [item[:3] for item in expected], labeler_id
        for (_, _, _, mean), (_, _, _, truth) in zip(actual, expected, strict=True):
            assert mean == pytest.approx(truth, rel=1e-9, abs=1e-9)
        # The first week is tenure days 0-6; the latest, the seven days up to the labeler's last day in the window.
        by_tenure = [(tenure, count, count * mean) for tenure, _, count, mean in expected]
        last = max(tenure for tenure, _, _ in by_tenure)
        first_week = [(n, total) for tenure, n, total in by_tenure if 0 <= tenure < 7]
        latest_week = [(n, total) for tenure, n, total in by_tenure if tenure > last - 7]
        for figure, week in (
            (curves[labeler_id].first_week_mean_seconds, first_week),
            (curves[labeler_id].latest_week_mean_seconds, latest_week),
        ):
            _close(figure, sum(t for _, t in week) / sum(n for n, _ in week) if week else None, f"{labeler_id} week")


# --- the windows ------------------------------------------------------------------------------------------------


def _windows(rows: Rows, rng: np.random.Generator) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Adversarial windows, then random ones; some bounds are written with offsets (the same instants)."""
    label_times = sorted(label.submitted_at for label in rows.labels)
    review_times = sorted(review.created_at for review in rows.reviews)
    completions = sorted(task.completed_at for task in rows.tasks.values() if task.completed_at is not None)
    first, last = min(label_times[0], review_times[0]), max(label_times[-1], review_times[-1], completions[-1])
    midnight_label = next(t for t in label_times if t.time() == datetime.min.time() and t > label_times[0])
    some_label, some_review, some_completion = (
        label_times[len(label_times) // 2],
        review_times[len(review_times) // 3],
        completions[len(completions) // 2],
    )
    windows: dict[str, tuple[datetime | None, datetime | None]] = {
        "whole history": (None, None),
        "from only": (some_label, None),
        "to only": (None, some_review),
        "before the data": (first - timedelta(days=3), first - timedelta(days=1, hours=3)),
        "after the data": (last + timedelta(hours=1), last + timedelta(days=4)),
        "up to the first label": (None, label_times[0]),
        "from past the last": (last + US, None),
        "one microsecond on a label": (some_label, some_label + US),
        "one microsecond before a label": (some_label - US, some_label),
        "one microsecond on a midnight label": (midnight_label, midnight_label + US),
        "ending on a midnight label": (midnight_label - timedelta(hours=5), midnight_label),
        "starting a microsecond after a midnight label": (
            midnight_label + US,
            midnight_label + timedelta(days=2, hours=1),
        ),
        "on a label to a review": (some_label, some_review + timedelta(days=2)),
        "a microsecond either side of a label": (some_label - US, some_label + timedelta(days=1, hours=2) + US),
        "on a review": (some_review, some_review + timedelta(hours=7)),
        "a microsecond after a review": (some_review + US, some_review + timedelta(days=3)),
        "on a completion": (some_completion, some_completion + timedelta(days=1, minutes=1)),
        "a microsecond after a completion": (some_completion + US, some_completion + timedelta(days=2)),
        "many days, both edges cut": (T0 + timedelta(hours=3, microseconds=7), day(7, 22.25)),
        "whole days across the raise": (day(RAISE_DAY - 1), day(RAISE_DAY + 2)),
        "an edge on each side of the raise": (day(RAISE_DAY - 1, 23), day(RAISE_DAY, 1)),
        "+05:45 landing on UTC midnight": (
            day(1).astimezone(NEPAL),
            day(4).astimezone(NEPAL),
        ),
        "-07:00 landing on UTC midnight, cut end": (day(2).astimezone(PACIFIC), day(5, 13).astimezone(PACIFIC)),
        "+05:45 local midnights": (
            datetime(2024, 3, 6, tzinfo=NEPAL),
            datetime(2024, 3, 9, tzinfo=NEPAL),
        ),
        "-07:00 local midnight to a microsecond": (
            datetime(2024, 3, 5, tzinfo=PACIFIC),
            datetime(2024, 3, 7, 0, 0, 0, 1, tzinfo=PACIFIC),
        ),
    }
    for index in range(8):
        a, b = sorted(float(x) for x in rng.uniform(-1, 10, size=2))
        start = T0 + timedelta(days=a)
        end = T0 + timedelta(days=b) + timedelta(microseconds=int(rng.integers(1, 1000)))
        zone = [UTC, NEPAL, PACIFIC][index % 3]
        windows[f"random {index}"] = (start.astimezone(zone), end.astimezone(zone))
    return windows


def _scopes(ids: Ids) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The scopes every window is read for, and those read for every fourth window (in turn): seconds, not
    minutes, on either database."""
    project = ids.projects[0]
    every = {
        "project": {"project_id": project},
        "vendor": {"vendor_id": ids.hourly},
        "per-label vendor": {"vendor_id": ids.per_label},
        "review vendor": {"vendor_id": ids.in_house},
        "vendor within a project": {"project_id": project, "vendor_id": ids.per_label},
        "labeler": {"labeler_id": ids.busiest},
    }
    in_turn = {
        "other project": {"project_id": ids.projects[1]},
        "labeler with one label": {"labeler_id": ids.single},
        "labeler with none": {"labeler_id": ids.idle},
        "labeler of another vendor": {"labeler_id": ids.busiest, "vendor_id": ids.per_label},
        "labeler within a project": {"labeler_id": ids.busiest, "project_id": ids.projects[1]},
        "everything": {},
    }
    return every, in_turn


# --- the tests --------------------------------------------------------------------------------------------------


async def _fixture(database: Database) -> tuple[Ids, Rows]:
    ids = await _world(database)
    return ids, await _rows(database)


async def test_every_scope_and_window_equals_the_raw_rows(database: Database) -> None:
    ids, rows = await _fixture(database)
    windows = _windows(rows, np.random.default_rng(SEED + 1))
    every, in_turn = _scopes(ids)
    turns = list(in_turn.items())
    checked: Counter[str] = Counter()
    async with database.session() as session:
        for index, (window_name, (start, end)) in enumerate(windows.items()):
            for scope_name, filters in [*every.items(), turns[index % len(turns)]]:
                scope = Scope(start=start, end=end, **filters)
                try:
                    _check_scope(await scope_metrics(session, scope), Reference(rows, scope))
                except AssertionError as error:
                    raise AssertionError(f"{scope_name}, {window_name} {start} .. {end}: {error}") from error
                checked[scope_name] += 1
    assert set(checked) == set(every) | set(in_turn)


async def test_every_dashboard_window_equals_the_raw_rows(database: Database) -> None:
    ids, rows = await _fixture(database)
    windows = _windows(rows, np.random.default_rng(SEED + 1))
    async with database.session() as session:
        for window_name, (start, end) in windows.items():
            for project_id in ids.projects:
                scope = Scope(project_id=project_id, start=start, end=end)
                as_of = end or day(12)
                try:
                    dashboard = await project_dashboard(session, project_id, start=start, end=end, as_of=as_of)
                    ref = Reference(rows, scope)
                    _check_dashboard(dashboard, ref, as_of)
                    _check_scope(
                        ScopeMetrics(
                            start=start,
                            end=end,
                            quality=dashboard.quality,
                            agreement=dashboard.agreement,
                            issues=dashboard.issues,
                            speed=dashboard.speed,
                            cost=dashboard.cost,
                            labelers=dashboard.labelers,
                        ),
                        ref,
                    )
                except AssertionError as error:
                    raise AssertionError(f"project {project_id}, {window_name} {start} .. {end}: {error}") from error


# --- focused regressions ------------------------------------------------------------------------------------


async def test_a_turnaround_a_microsecond_past_the_sla_is_a_breach(database: Database) -> None:
    # Given tasks completed on the SLA limit, a microsecond past it and half a millisecond past it
    async with database.transaction() as session:
        w = World(session)
        project = await w.project(sla_turnaround_hours=SLA_HOURS)
        limit = timedelta(hours=SLA_HOURS)
        created = day(1, 3.25)
        for past in (timedelta(0), US, timedelta(microseconds=500)):
            await w.task(project, created_at=created, completed_at=created + limit + past, status=TaskStatus.DONE)
        await w.task(project, created_at=created)  # never completed
    async with database.session() as session:
        # When the SLA is read over whole days (the completion rollups) and over a window cut inside a day (the rows)
        whole = await project_dashboard(session, project.id, start=day(2), end=day(3), as_of=created + limit)
        cut = await project_dashboard(session, project.id, start=day(2, 1), end=day(2, 23), as_of=created + limit + US)
    # Then only the task completed on the limit met it; and the tasks open at the limit (all four: a task completed
    # at as_of is still open then) are not breached yet, while a microsecond later the three still open are
    for dashboard in (whole, cut):
        assert (dashboard.sla.completed, dashboard.sla.within_sla) == (3, 1)
    assert (whole.forecast.remaining_tasks, whole.sla.open_breached) == (4, 0)
    assert (cut.forecast.remaining_tasks, cut.sla.open_breached) == (3, 3)


async def test_times_at_the_bottom_of_a_histogram_bin_are_within_the_stated_bound(database: Database) -> None:
    # Given a whole day of labels and reviews whose times sit just above the lower edge of a bin (about 4150 s)
    seconds = 0.01 * 1.04**330 * (1 + 1e-9)
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project = await w.project()
        labeler, reviewer = await w.labeler(vendor), await w.labeler(vendor)
        for hour in range(3):
            label = await w.label(await w.task(project), labeler, at=day(1, hour), seconds=seconds)
            await w.review(label, reviewer, ReviewVerdict.THUMBS_UP, seconds=seconds, at=day(1, hour + 1))
    # When its percentiles are read from the histograms
    async with database.session() as session:
        metrics = await scope_metrics(session, Scope(project_id=project.id, start=day(1), end=day(2)))
    # Then they are within the stated bound of the exact figure
    speed = metrics.speed
    for estimate in (speed.median_seconds, speed.p90_seconds, speed.median_review_seconds, speed.p90_review_seconds):
        assert estimate is not None
        assert abs(estimate - seconds) <= STATED_RELATIVE * seconds + STATED_ABSOLUTE


# --- through GraphQL ----------------------------------------------------------------------------------------

METRICS = """
query($projectId: ID, $vendorId: ID, $from: DateTime, $to: DateTime) {
  operationsMetrics(projectId: $projectId, vendorId: $vendorId, from: $from, to: $to) {
    __typename
    ... on UserError { message field }
    ... on OperationsMetrics {
      from to
      quality { labels reviews approvalRate firstPassAcceptance reworkRate }
      speed { labels meanSeconds medianSeconds p90Seconds medianReviewSeconds }
      cost { cost labelingCost reviewCost acceptedLabels }
      agreement { units pairwise }
    }
  }
}
"""


def _text(moment: datetime, zone: timezone, nanoseconds: int = 0) -> str:
    """`moment` written in `zone` with nine digits of the second's fraction, `nanoseconds` past the microsecond."""
    local = moment.astimezone(zone)
    offset = local.isoformat()[-6:]
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S.%f')}{nanoseconds:03d}{offset}"


async def test_graphql_windows_written_with_offsets_and_nanoseconds_equal_the_raw_rows(database: Database) -> None:
    ids, rows = await _fixture(database)
    some_label = sorted(label.submitted_at for label in rows.labels)[len(rows.labels) // 2]
    some_review = sorted(review.created_at for review in rows.reviews)[len(rows.reviews) // 2]
    # (from text, to text, the instants they select at full precision: every row is a whole microsecond)
    windows = [
        (_text(day(1), NEPAL), _text(day(4), NEPAL), day(1), day(4)),
        (_text(day(1, 5) + US, PACIFIC), _text(day(3, 2), NEPAL), day(1, 5) + US, day(3, 2)),
        # A nanosecond after a label's time: the label is before the window, and inside the one ending there.
        (_text(some_label, NEPAL, 1), None, some_label + US, None),
        (None, _text(some_label, PACIFIC, 1), None, some_label + US),
        (_text(some_label - US, UTC, 999), _text(some_review, NEPAL, 500), some_label, some_review + US),
    ]
    for start_text, end_text, start, end in windows:
        for filters in ({"project_id": ids.projects[0]}, {"vendor_id": ids.per_label}):
            variables = {
                "projectId": encode_id("Project", filters["project_id"]) if "project_id" in filters else None,
                "vendorId": encode_id("Vendor", filters["vendor_id"]) if "vendor_id" in filters else None,
                "from": start_text,
                "to": end_text,
            }
            data = (await _run(database, METRICS, variables))["operationsMetrics"]
            where = f"{filters}, {start_text} .. {end_text}"
            assert data["__typename"] == "OperationsMetrics", (where, data)
            ref = Reference(rows, Scope(start=start, end=end, **filters))
            total = ref.sums(ref.labels, ref.reviews, ref.labour)
            assert (data["quality"]["labels"], data["quality"]["reviews"]) == (total.labels, total.reviews), where
            assert (data["from"], data["to"]) == (
                None if start is None else start.isoformat(),
                None if end is None else end.isoformat(),
            ), where
            assert data["cost"]["acceptedLabels"] == total.accepted, where
            _close(data["cost"]["labelingCost"], total.cost, f"{where} labeling cost")
            _close(data["cost"]["reviewCost"], total.review_cost, f"{where} review cost")
            _close(data["speed"]["meanSeconds"], _ratio(total.seconds, total.labels), f"{where} mean")
            _assert_percentiles(
                data["speed"]["medianSeconds"],
                data["speed"]["p90Seconds"],
                [label.seconds_to_label for label in ref.labels],
                exact=_holds_no_whole_day(ref.scope),
                what=where,
            )
            units, pairwise, _, _ = ref.agreement()
            assert data["agreement"]["units"] == units, where
            _close(data["agreement"]["pairwise"], pairwise, f"{where} pairwise")


async def _run(database: Database, query: str, variables: dict[str, Any]) -> Any:
    result = await schema.execute(query, variable_values=variables, context_value=Context(database, Settings()))
    assert result.errors is None, result.errors
    return result.data
