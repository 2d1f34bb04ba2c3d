"""Histogram percentiles located in SQL (`histogram_ranks`) equal `histogram_percentile` of the same counts.

Random histograms are written straight into the rollup tables, zero-count bins, bin -1, single-bin groups and
groups of one value included; every whole-days scope shape then reads them through the analytics and the answers
are compared exactly with the Python walk over the counts the scope covers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, insert, select

from server.db import Database
from server.db.models import Labeler
from server.db.rollup_tables import (
    LabelTimeBin,
    ProjectReviewTimeBin,
    ProjectTimeBin,
    ReviewDayRollup,
    ReviewTimeBin,
    VendorReviewTimeBin,
    VendorTimeBin,
)
from server.services.analytics import Scope
from server.services.analytics._labels import LabelPercentiles, Spread, fetch_label_percentiles
from server.services.analytics._sql import cumulative_counts, histogram_ranks, interpolate_bins
from server.services.analytics.quality import fetch_reviews
from tests.server.percentile_bound import histogram_percentile
from tests.server.test_analytics_world import World

FIRST_DAY = date(2024, 3, 4)
DAYS = 6


@dataclass(frozen=True, slots=True)
class BinRow:
    project_id: int
    labeler_id: int
    day: str
    bin: int
    count: int


@dataclass
class Seeded:
    projects: list[int]
    vendor_of: dict[int, int]  # labeler -> vendor
    rows: list[BinRow] = field(default_factory=list)


def _day(k: int) -> str:
    return (FIRST_DAY + timedelta(days=k)).isoformat()


def _random_rows(rng: np.random.Generator, projects: list[int], labelers: list[int]) -> list[BinRow]:
    """Bin counts per (project, labeler, day): a narrow range of bins, so groups share bins and runs of zero-count
    bins sit between counted ones; a few keys hold a single bin, a single value, or only zero counts."""
    rows: dict[tuple[int, int, str, int], int] = {}
    for project_id in projects:
        for labeler_id in labelers:
            for k in range(DAYS):
                shape = rng.integers(0, 8)
                if shape == 0:
                    continue  # nothing that day
                if shape == 1:
                    bins = [int(rng.integers(-1, 12))]  # one bin
                else:
                    bins = sorted({int(b) for b in rng.integers(-1, 12, size=int(rng.integers(2, 9)))})
                for index in bins:
                    count = int(rng.choice([0, 0, 1, 1, 2, 3, 5, 40]))
                    if shape == 2:
                        count = 0  # decremented back to nothing
                    rows[(project_id, labeler_id, _day(k), index)] = count
    return [BinRow(*key, count) for key, count in rows.items()]


async def _project_grain(session: Any, table: Any, count_column: str) -> None:
    """Sum the per-labeler histogram rows into the project- and vendor-grain histograms, as the rollup maintenance
    does."""
    project_table, vendor_table = {
        LabelTimeBin.__table__: (ProjectTimeBin.__table__, VendorTimeBin.__table__),
        ReviewTimeBin.__table__: (ProjectReviewTimeBin.__table__, VendorReviewTimeBin.__table__),
    }[table]
    keys = [table.c.project_id, table.c.day, table.c.bin]
    summed = select(*keys, func.sum(table.c[count_column])).group_by(*keys)
    await session.execute(insert(project_table).from_select(["project_id", "day", "bin", count_column], summed))
    by_vendor = (
        select(Labeler.vendor_id, *keys, func.sum(table.c[count_column]))
        .join_from(table, Labeler, Labeler.id == table.c.labeler_id)
        .group_by(Labeler.vendor_id, *keys)
    )
    columns = ["vendor_id", "project_id", "day", "bin", count_column]
    await session.execute(insert(vendor_table).from_select(columns, by_vendor))


async def _seed(database: Database, seed: int, table: Any, count_column: str) -> Seeded:
    rng = np.random.default_rng(seed)
    async with database.transaction() as session:
        w = World(session)
        vendors = [await w.vendor(), await w.vendor()]
        projects = [(await w.project()).id, (await w.project()).id]
        labelers = [await w.labeler(vendors[i % 2]) for i in range(5)]
        seeded = Seeded(projects=projects, vendor_of={labeler.id: labeler.vendor_id for labeler in labelers})
        seeded.rows = _random_rows(rng, projects, [labeler.id for labeler in labelers])
        # A labeler with one label in the whole table: every percentile is that label's bin.
        lone = await w.labeler(vendors[0])
        seeded.vendor_of[lone.id] = lone.vendor_id
        seeded.rows.append(BinRow(projects[0], lone.id, _day(2), int(rng.integers(-1, 12)), 1))
        await session.execute(
            insert(table),
            [
                {
                    "project_id": row.project_id,
                    "labeler_id": row.labeler_id,
                    "day": row.day,
                    "bin": row.bin,
                    count_column: row.count,
                }
                for row in seeded.rows
            ],
        )
        await _project_grain(session, table, count_column)
    return seeded


def _scopes(seeded: Seeded) -> list[Scope]:
    start = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    project = seeded.projects[0]
    labeler = sorted(seeded.vendor_of)[1]
    vendor = seeded.vendor_of[labeler]
    return [
        Scope(),
        Scope(project_id=project),
        Scope(project_id=project, start=start + timedelta(days=1), end=start + timedelta(days=4)),
        Scope(project_id=project, start=start + timedelta(days=2), end=start + timedelta(days=3)),
        Scope(vendor_id=vendor, start=start, end=start + timedelta(days=DAYS)),
        Scope(project_id=project, vendor_id=vendor, end=start + timedelta(days=3)),
        Scope(labeler_id=labeler, start=start + timedelta(days=1)),
        Scope(project_id=seeded.projects[1], labeler_id=labeler, start=start, end=start + timedelta(days=2)),
        Scope(project_id=project, start=start + timedelta(days=DAYS + 3), end=start + timedelta(days=DAYS + 4)),
    ]


def _in_scope(seeded: Seeded, scope: Scope) -> list[BinRow]:
    start = None if scope.start is None else scope.start.date().isoformat()
    end = None if scope.end is None else scope.end.date().isoformat()
    return [
        row
        for row in seeded.rows
        if (scope.project_id is None or row.project_id == scope.project_id)
        and (scope.vendor_id is None or seeded.vendor_of[row.labeler_id] == scope.vendor_id)
        and (scope.labeler_id is None or row.labeler_id == scope.labeler_id)
        and (start is None or row.day >= start)
        and (end is None or row.day < end)
    ]


def _spread(rows: list[BinRow]) -> Spread:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row.bin] += row.count
    return Spread(median=histogram_percentile(counts.items(), 50), p90=histogram_percentile(counts.items(), 90))


def _expected_labels(rows: list[BinRow]) -> LabelPercentiles:
    by_day: dict[str, list[BinRow]] = defaultdict(list)
    by_labeler: dict[int, list[BinRow]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row)
        by_labeler[row.labeler_id].append(row)
    return LabelPercentiles(
        total=_spread(rows),
        by_day={key: _spread(group) for key, group in sorted(by_day.items())},
        by_labeler={key: _spread(group) for key, group in by_labeler.items()},
    )


@pytest.mark.parametrize("seed", range(6))
async def test_label_percentiles_from_sql_equal_the_python_walk(database: Database, seed: int) -> None:
    seeded = await _seed(database, seed, LabelTimeBin.__table__, "labels")
    assert any(row.count == 0 for row in seeded.rows) and any(row.bin == -1 for row in seeded.rows)
    async with database.session() as session:
        for scope in _scopes(seeded):
            expected = _expected_labels(_in_scope(seeded, scope))
            assert await fetch_label_percentiles(session, scope) == expected, scope


@pytest.mark.parametrize("seed", range(6))
async def test_review_percentiles_from_sql_equal_the_python_walk(database: Database, seed: int) -> None:
    seeded = await _seed(database, 100 + seed, ReviewTimeBin.__table__, "reviews")
    sums: dict[tuple[int, int, str], int] = defaultdict(int)
    for row in seeded.rows:
        sums[(row.project_id, row.labeler_id, row.day)] += row.count
    async with database.transaction() as session:
        await session.execute(
            insert(ReviewDayRollup.__table__),
            [
                {"project_id": p, "labeler_id": labeler, "day": d, "reviews": n, "thumbs_up": 0, "seconds": 0.0}
                for (p, labeler, d), n in sums.items()
            ],
        )
    async with database.session() as session:
        for scope in _scopes(seeded):
            rows = _in_scope(seeded, scope)
            expected = _spread(rows) if sum(row.count for row in rows) else Spread()
            total = (await fetch_reviews(session, scope)).total
            assert (total.median_seconds, total.p90_seconds) == (expected.median, expected.p90), scope


async def test_every_percent_of_every_group_equals_the_python_walk(database: Database) -> None:
    # Percents at the ends (0: the first label; 100: the last, with no rank after it) and between.
    percents = (0, 1, 10, 25, 50, 75, 90, 99, 100)
    seeded = await _seed(database, 7, LabelTimeBin.__table__, "labels")
    b = LabelTimeBin.__table__.c
    counts = (
        select(b.labeler_id, b.bin, b.labels.label("n")).where(b.project_id == seeded.projects[0], b.day == _day(3))
    ).subquery()
    running = select(*counts.c, *cumulative_counts(counts.c.n, counts.c.bin, [counts.c.labeler_id])).subquery()
    r = running.c
    statement = select(r.labeler_id, *histogram_ranks(r.bin, r.cumulative, r.total, percents)).group_by(r.labeler_id)
    async with database.session() as session:
        rows = (await session.execute(statement)).all()
    groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in seeded.rows:
        if row.project_id == seeded.projects[0] and row.day == _day(3):
            groups[row.labeler_id].append((row.bin, row.count))
    assert sorted(row.labeler_id for row in rows) == sorted(groups)
    for row in rows:
        for percent in percents:
            lower, upper = getattr(row, f"p{percent}_lower"), getattr(row, f"p{percent}_upper")
            assert interpolate_bins(row.n, lower, upper, percent) == histogram_percentile(
                groups[row.labeler_id], percent
            ), (row.labeler_id, percent)


async def test_rank_arithmetic_does_not_overflow_32_bit_integers(database: Database) -> None:
    # (n - 1)·90 passes 2**31 from n ≈ 23.9 million on: bin counts that large still give the Python answer.
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project = await w.project()
        labelers = [await w.labeler(vendor), await w.labeler(vendor)]
        histogram = [(-1, 3), (4, 20_000_000), (5, 0), (9, 15_000_001), (10, 7)]
        await session.execute(
            insert(LabelTimeBin.__table__),
            [
                {"project_id": project.id, "labeler_id": labelers[i % 2].id, "day": _day(0), "bin": index, "labels": n}
                for i, (index, n) in enumerate(histogram)
            ],
        )
        await _project_grain(session, LabelTimeBin.__table__, "labels")
    async with database.session() as session:
        result = await fetch_label_percentiles(session, Scope(project_id=project.id))
    assert result.total == Spread(histogram_percentile(histogram, 50), histogram_percentile(histogram, 90))
    assert result.total.median is not None and result.total.p90 is not None


def test_interpolating_bins_of_nothing_gives_none() -> None:
    assert interpolate_bins(0, None, None, 50) is None
    assert interpolate_bins(None, None, None, 90) is None
    assert interpolate_bins(1, 3, None, 90) == histogram_percentile([(3, 1)], 90)
