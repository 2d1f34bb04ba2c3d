"""Windows cut inside days, for a project, a vendor and a labeler: whole days come from the per-day rollups and
the edges from the raw rows, and the figures equal a recomputation from the raw rows (percentiles within the
histogram's bound, exact on a day the window cuts), on one-hour windows, windows under an hour, windows crossing
midnight, bounds at the same hour on two days, a window ending on an hour, a bound alone, and bounds that fall
exactly on a label's and a review's time; and the same scopes over whole days and the whole
history, which a vendor's or labeler's agreement reads from the member span sums."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import delete, select

from server.db import Database
from server.db.enums import ReviewVerdict
from server.db.models import Label, Labeler, Review, Task
from server.db.rollup_tables import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanValue,
    ConsensusTask,
    LabelDayRollup,
    LabelTimeBin,
    ProjectReviewTimeBin,
    ProjectTimeBin,
    ReviewDayRollup,
    ReviewerDayRollup,
    ReviewTimeBin,
    VendorReviewTimeBin,
    VendorTimeBin,
)
from server.services.analytics import Scope
from server.services.analytics._labels import Spread, fetch_label_percentiles, fetch_label_rollup
from server.services.analytics.agreement import fetch_agreement
from server.services.analytics.quality import fetch_reviews
from server.services.demo.seed import seed_demo
from server.services.rollups import bin_of
from tests.server.percentile_bound import assert_within_bound, histogram_percentile
from tests.server.test_analytics_demo import _alpha

ANCHOR = datetime(2024, 6, 3, tzinfo=UTC)
START = ANCHOR - timedelta(days=28)
SCALE = 0.05

# Windows cut inside days; "ties" is made of a label's and a review's own times (see `_windows`).
WINDOWS: dict[str, tuple[datetime | None, datetime | None]] = {
    "one hour": (ANCHOR - timedelta(days=3, hours=10), ANCHOR - timedelta(days=3, hours=9)),
    "across midnight": (ANCHOR - timedelta(days=5, hours=3), ANCHOR - timedelta(days=4, hours=22)),
    "across midnight with a whole day": (ANCHOR - timedelta(days=6, hours=3), ANCHOR - timedelta(days=4, hours=22)),
    "partial days": (START + timedelta(hours=5, minutes=30), ANCHOR - timedelta(hours=3)),
    "the same hour on both days": (ANCHOR - timedelta(days=5, hours=15), ANCHOR - timedelta(days=3, hours=15)),
    "under an hour": (
        ANCHOR - timedelta(days=3, hours=10, minutes=40),
        ANCHOR - timedelta(days=3, hours=10, minutes=5),
    ),
    "ending on an hour": (ANCHOR - timedelta(days=4, hours=7, minutes=45), ANCHOR - timedelta(days=2, hours=6)),
    "from only": (START + timedelta(hours=7), None),
    "to only": (None, ANCHOR - timedelta(hours=13)),
    "whole days": (START + timedelta(days=3), ANCHOR - timedelta(days=2)),
    "whole history": (None, None),
}


@dataclass(frozen=True)
class Row:
    """A label with what scopes it: its project, author and the author's vendor."""

    label: Label
    task: Task
    vendor_id: int


@dataclass(frozen=True)
class Raw:
    labels: list[Row]
    reviews: list[tuple[Review, Row]]  # each review with its label


async def _raw(database: Database) -> Raw:
    async with database.session() as session:
        rows = (
            await session.execute(
                select(Label, Task, Labeler.vendor_id)
                .join(Task, Task.id == Label.task_id)
                .join(Labeler, Labeler.id == Label.labeler_id)
            )
        ).all()
        labels = [Row(label, task, vendor_id) for label, task, vendor_id in rows]
        by_id = {row.label.id: row for row in labels}
        reviews = [(review, by_id[review.label_id]) for review in (await session.execute(select(Review))).scalars()]
    return Raw(labels, reviews)


def _in_window(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or start <= moment) and (end is None or moment < end)


def _in_scope(row: Row, scope: Scope) -> bool:
    return (
        (scope.project_id is None or row.task.project_id == scope.project_id)
        and (scope.vendor_id is None or row.vendor_id == scope.vendor_id)
        and (scope.labeler_id is None or row.label.labeler_id == scope.labeler_id)
    )


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _cut_days(scope: Scope) -> set[str]:
    """The days the window's bounds fall inside (not at midnight): they are read from the raw rows alone."""
    return {
        _day(bound)
        for bound in (scope.start, scope.end)
        if bound is not None and bound.astimezone(UTC).time() != datetime.min.time()
    }


def _assert_spread(spread: Any, values: list[float], *, exact: bool) -> None:
    median, p90 = (spread.median, spread.p90) if hasattr(spread, "p90") else spread
    if not values:
        assert (median, p90) == (None, None)
        return
    if exact:
        assert median == pytest.approx(float(np.percentile(values, 50)))
        assert p90 == pytest.approx(float(np.percentile(values, 90)))
    else:
        assert_within_bound(median, float(np.percentile(values, 50)))
        assert_within_bound(p90, float(np.percentile(values, 90)))


def _consensus(rows: list[Row], scope: Scope) -> tuple[int, dict[int, tuple[int, int]], list[list[str]]]:
    """Units (consensus tasks with two or more labels in the window, holding one of the scope's people's labels
    when it names people), per-labeler (agreeing pairs, pairs) of the scope's labelers, and the units' answers."""
    by_task: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.task.labels_required > 1 and (scope.project_id is None or row.task.project_id == scope.project_id):
            by_task[row.task.id].append(row)
    people = scope.vendor_id is not None or scope.labeler_id is not None
    units = [
        group
        for group in by_task.values()
        if len(group) >= 2 and (not people or any(_in_scope(row, scope) for row in group))
    ]
    labelers: dict[int, tuple[int, int]] = {}
    for group in units:
        answers = Counter(_text(row) for row in group)
        for row in group:
            if _in_scope(row, scope):
                agreeing, pairs = labelers.get(row.label.labeler_id, (0, 0))
                labelers[row.label.labeler_id] = (agreeing + answers[_text(row)] - 1, pairs + len(group) - 1)
    return len(units), labelers, [[_text(row) for row in group] for group in units]


def _text(row: Row) -> str:
    return json.dumps(row.label.answer)


async def _check(database: Database, raw: Raw, scope: Scope) -> None:
    window = [row for row in raw.labels if _in_window(row.label.submitted_at, scope.start, scope.end)]
    mine = [row for row in window if _in_scope(row, scope)]
    cut = _cut_days(scope)
    async with database.session() as session:
        rollup = await fetch_label_rollup(session, scope)
        percentiles = await fetch_label_percentiles(session, scope)
        reviews = await fetch_reviews(session, scope)
        agreement = await fetch_agreement(session, scope)

    # Label sums and percentiles: overall, per day (exact on a cut day), per labeler.
    assert rollup.total.labels == len(mine)
    assert rollup.total.seconds == pytest.approx(sum(row.label.seconds_to_label for row in mine))
    _assert_spread(percentiles.total, [row.label.seconds_to_label for row in mine], exact=False)
    days: dict[str, list[float]] = defaultdict(list)
    people: dict[int, list[float]] = defaultdict(list)
    for row in mine:
        days[_day(row.label.submitted_at)].append(row.label.seconds_to_label)
        people[row.label.labeler_id].append(row.label.seconds_to_label)
    assert set(percentiles.by_day) == set(days)
    for day, values in days.items():
        _assert_spread(percentiles.by_day[day], values, exact=day in cut)
    assert set(percentiles.by_labeler) == set(people)
    for labeler_id, values in people.items():
        _assert_spread(percentiles.by_labeler[labeler_id], values, exact=False)

    # Reviews by their own time, attributed to the label's author.
    made = [
        (review, row)
        for review, row in raw.reviews
        if _in_window(review.created_at, scope.start, scope.end) and _in_scope(row, scope)
    ]
    assert reviews.total.reviews == len(made)
    assert reviews.total.thumbs_up == sum(review.verdict == ReviewVerdict.THUMBS_UP for review, _ in made)
    assert reviews.total.seconds == pytest.approx(sum(review.seconds_to_review for review, _ in made))
    _assert_spread(
        (reviews.total.median_seconds, reviews.total.p90_seconds),
        [review.seconds_to_review for review, _ in made],
        exact=False,
    )
    assert {day: stats.reviews for day, stats in reviews.by_day.items()} == Counter(
        _day(review.created_at) for review, _ in made
    )
    assert {labeler: stats.reviews for labeler, stats in reviews.by_labeler.items()} == Counter(
        row.label.labeler_id for _, row in made
    )

    # Agreement over the units in the window (those holding the scope's people's labels when it names people).
    units, labelers, answers = _consensus(window, scope)
    assert agreement.units == units
    agreeing = sum(count * (count - 1) for values in answers for count in Counter(values).values())
    pairs = sum(len(values) * (len(values) - 1) for values in answers)
    assert agreement.pairwise == (pytest.approx(agreeing / pairs) if pairs else None)
    # Alpha is combined across projects otherwise (see `agreement`), and undefined over a single answer.
    if scope.project_id is not None and len({value for values in answers for value in values}) > 1:
        assert agreement.alpha == pytest.approx(_alpha(answers)[1])
    assert {row.labeler_id: (row.agreeing_pairs, row.pairs) for row in agreement.by_labeler} == labelers


async def _seeded(database: Database) -> tuple[Raw, list[Scope]]:
    """The demo workspace, and a project, a vendor, a labeler and a vendor within a project to scope by."""
    await seed_demo(database, seed=7, anchor=ANCHOR, scale=SCALE)
    raw = await _raw(database)
    projects = Counter(row.task.project_id for row in raw.labels)
    project_id = projects.most_common(1)[0][0]
    on_project = [row for row in raw.labels if row.task.project_id == project_id]
    vendor_id = Counter(row.vendor_id for row in on_project).most_common(1)[0][0]
    labeler_id = Counter(row.label.labeler_id for row in on_project).most_common(1)[0][0]
    scopes = [
        Scope(project_id=project_id),
        Scope(vendor_id=vendor_id),
        Scope(labeler_id=labeler_id),
        Scope(project_id=project_id, vendor_id=vendor_id),
    ]
    return raw, scopes


def _windows(raw: Raw, project_id: int) -> dict[str, tuple[datetime | None, datetime | None]]:
    """`WINDOWS`, and "ties": from a label's own submission time to a review's own time some days later, so rows
    sit exactly on both bounds (the start counts, the end does not)."""
    times = sorted(row.label.submitted_at for row in raw.labels if row.task.project_id == project_id)
    start = times[len(times) // 3]
    reviewed = sorted(review.created_at for review, row in raw.reviews if review.created_at > start + timedelta(days=2))
    assert start.time() != datetime.min.time() and reviewed
    return {**WINDOWS, "ties": (start, reviewed[len(reviewed) // 2])}


@pytest.mark.parametrize("scope_kind", ["project", "vendor", "labeler", "project and vendor"])
async def test_windows_cut_inside_days_equal_the_raw_rows(database: Database, scope_kind: str) -> None:
    raw, scopes = await _seeded(database)
    who = scopes[["project", "vendor", "labeler", "project and vendor"].index(scope_kind)]
    windows = _windows(raw, scopes[0].project_id or 0)
    ties_start, ties_end = windows["ties"]
    assert ties_start is not None and ties_end is not None
    assert any(row.label.submitted_at == ties_start for row in raw.labels)
    assert any(review.created_at == ties_end for review, _ in raw.reviews)
    for name, (start, end) in windows.items():
        # Every window holds labels, so none passes by comparing nothing with nothing.
        assert any(_in_window(row.label.submitted_at, start, end) for row in raw.labels), name
        scope = Scope(
            project_id=who.project_id, vendor_id=who.vendor_id, labeler_id=who.labeler_id, start=start, end=end
        )
        assert scope.whole_days == name.startswith("whole")
        try:
            await _check(database, raw, scope)
        except AssertionError as error:
            raise AssertionError(f"{scope_kind}, {name}: {error}") from error


async def test_partial_windows_read_whole_days_from_the_rollups(database: Database) -> None:
    # Given the demo, and its day rollups emptied behind the analytics' back
    raw, scopes = await _seeded(database)
    project = scopes[0]
    start, end = WINDOWS["partial days"]
    assert start is not None and end is not None
    async with database.transaction() as session:
        for table in (
            LabelDayRollup,
            LabelTimeBin,
            ProjectTimeBin,
            ReviewDayRollup,
            ReviewTimeBin,
            ProjectReviewTimeBin,
            VendorTimeBin,
            VendorReviewTimeBin,
            ReviewerDayRollup,
            ConsensusTask,
            ConsensusSpan,
            ConsensusSpanValue,
            ConsensusSpanLabeler,
        ):
            await session.execute(delete(table))
    # When a window cut inside days is read
    scope = Scope(project_id=project.project_id, start=start, end=end)
    async with database.session() as session:
        rollup = await fetch_label_rollup(session, scope)
        percentiles = await fetch_label_percentiles(session, scope)
        reviews = await fetch_reviews(session, scope)
        agreement = await fetch_agreement(session, scope)
    # Then only its edges count: the whole days inside it come from the (now empty) rollups
    edges = [
        row
        for row in raw.labels
        if row.task.project_id == project.project_id
        and _in_window(row.label.submitted_at, start, end)
        and _day(row.label.submitted_at) in {_day(start), _day(end)}
    ]
    assert 0 < rollup.total.labels == len(edges)
    assert set(percentiles.by_day) == {_day(start), _day(end)}
    edge_reviews = [
        review
        for review, row in raw.reviews
        if row.task.project_id == project.project_id
        and _in_window(review.created_at, start, end)
        and _day(review.created_at) in {_day(start), _day(end)}
    ]
    assert reviews.total.reviews == len(edge_reviews)
    assert set(reviews.by_day) <= {_day(start), _day(end)}
    everything, _, _ = _consensus([row for row in raw.labels if _in_window(row.label.submitted_at, start, end)], scope)
    assert agreement.units < everything


def _binned(seconds: list[float]) -> Spread:
    counts = Counter(bin_of(value) for value in seconds)
    return Spread(median=histogram_percentile(counts.items(), 50), p90=histogram_percentile(counts.items(), 90))


@pytest.mark.parametrize("scope_kind", ["project", "vendor", "labeler", "project and vendor"])
async def test_partial_windows_rank_the_total_and_the_labelers_in_histogram_bins(
    database: Database, scope_kind: str
) -> None:
    # Given the demo, a scope, and a window cut inside days with whole days between its edges
    raw, scopes = await _seeded(database)
    who = scopes[["project", "vendor", "labeler", "project and vendor"].index(scope_kind)]
    start, end = WINDOWS["partial days"]
    scope = Scope(project_id=who.project_id, vendor_id=who.vendor_id, labeler_id=who.labeler_id, start=start, end=end)
    # When its time per label is read
    async with database.session() as session:
        percentiles = await fetch_label_percentiles(session, scope)
    # Then the total and every labeler are ranked over the histogram bins of all their labels, the edges' included,
    # as a whole-days window ranks them (and so within the histogram's bound of the exact figures)
    mine = [row for row in raw.labels if _in_scope(row, scope) and _in_window(row.label.submitted_at, start, end)]
    assert percentiles.total == _binned([row.label.seconds_to_label for row in mine])
    by_labeler: dict[int, list[float]] = defaultdict(list)
    for row in mine:
        by_labeler[row.label.labeler_id].append(row.label.seconds_to_label)
    assert percentiles.by_labeler == {labeler_id: _binned(values) for labeler_id, values in by_labeler.items()}
    # And a day the window cuts keeps its exact figures
    first_day = [row.label.seconds_to_label for row in mine if _day(row.label.submitted_at) == _day(start)]
    _assert_spread(percentiles.by_day[_day(start)], first_day, exact=True)


async def test_the_total_of_a_window_inside_one_day_is_that_days_exact_figure(database: Database) -> None:
    # Given the demo and a one-hour window
    raw, scopes = await _seeded(database)
    start, end = WINDOWS["one hour"]
    assert start is not None and end is not None
    scope = Scope(project_id=scopes[0].project_id, start=start, end=end)
    # When its time per label is read
    async with database.session() as session:
        percentiles = await fetch_label_percentiles(session, scope)
    # Then its total is its one day's, exact
    mine = [row for row in raw.labels if _in_scope(row, scope) and _in_window(row.label.submitted_at, start, end)]
    assert mine and list(percentiles.by_day) == [_day(start)]
    assert percentiles.total == percentiles.by_day[_day(start)]
    _assert_spread(percentiles.total, [row.label.seconds_to_label for row in mine], exact=True)
