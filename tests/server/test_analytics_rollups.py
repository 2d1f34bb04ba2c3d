"""The per-day label rollups: the histogram percentile's error bound, and the workflow keeping rollups exact."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.rollups import LabelDayRollup, LabelTimeBin
from server.services.rollups import bin_of, histogram_percentile, rebuild_rollups
from server.services.workflow import review_label, rework_label, submit_label
from server.services.workflow_tasks import mark_benchmark
from tests.server.percentile_bound import assert_within_bound
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


async def _rows(database: Database) -> tuple[list[Any], list[Any]]:
    async with database.session() as session:
        rollups = (await session.execute(select(LabelDayRollup.__table__).order_by("day", "labeler_id"))).all()
        bins = (await session.execute(select(LabelTimeBin.__table__).where(LabelTimeBin.labels != 0))).all()
        return [tuple(row) for row in rollups], sorted(tuple(row) for row in bins)


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
