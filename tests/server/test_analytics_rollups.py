"""The per-day label and review rollups: the histogram percentile's error bound, and the workflow keeping rollups
exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import LabelStatus, ReviewVerdict
from server.db.rollups import LabelDayRollup, LabelTimeBin, ReviewDayRollup, ReviewTimeBin
from server.services.analytics import Scope
from server.services.analytics.quality import fetch_reviews
from server.services.rollups import bin_of, histogram_percentile, rebuild_rollups
from server.services.workflow import review_label, rework_label, submit_label
from server.services.workflow_tasks import mark_benchmark
from tests.server.percentile_bound import assert_within_bound
from tests.server.test_analytics_world import World as AnalyticsWorld
from tests.server.test_workflow_world import World, at, build_world, run


@pytest.mark.parametrize("seed", range(20))
def test_histogram_percentiles_stay_within_the_documented_bound(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    values = np.concatenate([rng.lognormal(3.5, 1.0, n), rng.uniform(0.0, 0.02, int(rng.integers(0, 5)))])
    counts: dict[int, int] = {}
    for value in values:
        counts[bin_of(float(value))] = counts.get(bin_of(float(value)), 0) + 1
    for percent in (0, 10, 50, 90, 99, 100):
        exact = float(np.percentile(values, percent))
        assert_within_bound(histogram_percentile(counts.items(), percent), exact)


def test_a_time_falls_in_the_bin_whose_range_holds_it() -> None:
    for value in (0.0, 0.009, 0.01, 0.0104, 1.0, 40.0, 3600.0):
        index = bin_of(value)
        if index < 0:
            assert value < 0.01
        else:
            assert 0.01 * 1.04**index <= value * (1 + 1e-12)
            assert value < 0.01 * 1.04 ** (index + 1)


async def _rows(database: Database) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    async with database.session() as session:
        rollups = (await session.execute(select(LabelDayRollup.__table__).order_by("day", "labeler_id"))).all()
        bins = (await session.execute(select(LabelTimeBin.__table__).where(LabelTimeBin.labels != 0))).all()
        reviews = (await session.execute(select(ReviewDayRollup.__table__).order_by("day", "labeler_id"))).all()
        review_bins = (await session.execute(select(ReviewTimeBin.__table__))).all()
        return (
            [tuple(row) for row in rollups],
            sorted(tuple(row) for row in bins),
            [tuple(row) for row in reviews],
            sorted(tuple(row) for row in review_bins),
        )


@pytest.mark.database
async def test_workflow_keeps_the_rollups_equal_to_a_rebuild(database: Database) -> None:
    world: World = await build_world(database)
    label = await run(
        database,
        lambda s: submit_label(
            s, task_id=world.task, labeler_id=world.alice, answer={"cls": "car"}, started_at=at(1), submitted_at=at(2)
        ),
    )
    await run(
        database,
        lambda s: submit_label(
            s,
            task_id=world.benchmark,
            labeler_id=world.bob,
            answer={"cls": "car"},
            started_at=at(1),
            submitted_at=at(1.5),
        ),
    )
    await run(
        database,
        lambda s: review_label(
            s,
            label_id=label.id,
            reviewer_id=world.bob,
            verdict="THUMBS_DOWN",
            seconds_to_review=5,
            comment="wrong class",
            reviewed_at=at(30),
        ),
    )
    await run(
        database,
        lambda s: rework_label(s, label_id=label.id, labeler_id=world.alice, answer={"cls": "bus"}, rework_seconds=9),
    )
    await run(
        database,
        lambda s: review_label(
            s, label_id=label.id, reviewer_id=world.bob, verdict="THUMBS_UP", seconds_to_review=4, reviewed_at=at(40)
        ),
    )
    await run(database, lambda s: mark_benchmark(s, task_id=world.benchmark, gold_answer={"cls": "bus"}))
    maintained = await _rows(database)
    async with database.transaction() as session:
        await rebuild_rollups(session)
    rebuilt = await _rows(database)
    assert maintained == rebuilt
    assert len(maintained[0]) == 2
    # Both reviews were of Alice's label: one review rollup row, two bins (5 s and 4 s are different bins).
    assert [(row[1], row[3], row[4], row[5]) for row in maintained[2]] == [(world.alice, 2, 1, 9.0)]
    assert len(maintained[3]) == 2


@pytest.mark.database
async def test_review_percentiles_from_the_rollups_stay_within_the_bound(database: Database) -> None:
    rng = np.random.default_rng(11)
    start = datetime(2024, 3, 4, tzinfo=UTC)
    times: list[float] = []
    async with database.transaction() as session:
        w = AnalyticsWorld(session)
        vendor = await w.vendor()
        project = await w.project()
        author, reviewer = await w.labeler(vendor), await w.labeler(vendor)
        for index in range(150):
            task = await w.task(project, created_at=start)
            when = start + timedelta(hours=float(rng.uniform(0, 71)))
            label = await w.label(task, author, at=when, status=LabelStatus.ACCEPTED)
            seconds = float(rng.lognormal(3.0, 1.2)) if index % 10 else 0.0
            verdict = ReviewVerdict.THUMBS_UP if index % 3 else ReviewVerdict.THUMBS_DOWN
            await w.review(label, reviewer, verdict, seconds=seconds, at=when + timedelta(minutes=5))
            if when + timedelta(minutes=5) < start + timedelta(days=2):
                times.append(seconds)
    async with database.session() as session:
        scope = Scope(project_id=project.id, start=start, end=start + timedelta(days=2))
        rolled = await fetch_reviews(session, scope)
    assert rolled.total.reviews == len(times)
    assert rolled.total.seconds == pytest.approx(sum(times))
    assert_within_bound(rolled.total.median_seconds, float(np.percentile(times, 50)))
    assert_within_bound(rolled.total.p90_seconds, float(np.percentile(times, 90)))
    assert sum(day.reviews for day in rolled.by_day.values()) == len(times)
