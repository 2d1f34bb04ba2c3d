"""The project-grain histograms (`project_time_bins`, `project_review_time_bins`) and the vendor-grain ones
(`vendor_time_bins`, `vendor_review_time_bins`) stay the per-labeler histograms summed over labelers, through
submissions, reviews, rework, a label moved to another bin and day, a label removed, and a rebuild of some days,
on both databases."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.db.models import Labeler
from server.db.rollup_tables import (
    LabelTimeBin,
    ProjectReviewTimeBin,
    ProjectTimeBin,
    ReviewTimeBin,
    VendorReviewTimeBin,
    VendorTimeBin,
)
from server.services.rollups import LabelFacts, bin_of, label_changed, rebuild_rollups, rebuild_statements
from server.services.workflow import review_label, rework_label, submit_label
from tests.server.test_workflow_world import World, at, build_world, run


async def _grains(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Each project-grain histogram and its per-labeler histogram summed over labelers, without empty rows."""

    async def rows(statement: Any) -> list[tuple[Any, ...]]:
        async with database.session() as session:
            return sorted(tuple(row) for row in (await session.execute(statement)).all() if row[-1] != 0)

    def summed(table: Any, count: str) -> Any:
        c = table.__table__.c
        return select(c.project_id, c.day, c.bin, func.sum(c[count])).group_by(c.project_id, c.day, c.bin)

    def own(table: Any) -> Any:
        return select(table.__table__)

    def by_vendor(table: Any, count: str) -> Any:
        c = table.__table__.c
        keys = [Labeler.vendor_id, c.day, c.project_id, c.bin]
        return select(*keys, func.sum(c[count])).join_from(table, Labeler, Labeler.id == c.labeler_id).group_by(*keys)

    return {
        "labels": await rows(own(ProjectTimeBin)),
        "labels by labeler": await rows(summed(LabelTimeBin, "labels")),
        "reviews": await rows(own(ProjectReviewTimeBin)),
        "reviews by labeler": await rows(summed(ReviewTimeBin, "reviews")),
        "vendor labels": await rows(own(VendorTimeBin)),
        "vendor labels by labeler": await rows(by_vendor(LabelTimeBin, "labels")),
        "vendor reviews": await rows(own(VendorReviewTimeBin)),
        "vendor reviews by labeler": await rows(by_vendor(ReviewTimeBin, "reviews")),
    }


def _assert_sums(grains: dict[str, list[tuple[Any, ...]]]) -> None:
    for name in ("labels", "reviews", "vendor labels", "vendor reviews"):
        assert grains[name] == grains[f"{name} by labeler"], name


async def _submit(database: Database, world: World, task: int, labeler: int, minutes: float, seconds: float) -> int:
    label = await run(
        database,
        lambda s: submit_label(
            s,
            task_id=task,
            labeler_id=labeler,
            answer={"cls": "car"},
            started_at=at(minutes - seconds / 60),
            submitted_at=at(minutes),
        ),
    )
    return label.id


@pytest.mark.database
async def test_the_project_histograms_stay_the_labeler_histograms_summed(database: Database) -> None:
    world = await build_world(database)
    # Alice and Carol each submit a 30 s label (the same project bin, two labeler rows); Bob a 90 s one a day later.
    alices = await _submit(database, world, world.task, world.alice, 10, 30)
    await _submit(database, world, world.consensus, world.carol, 11, 30)
    await _submit(database, world, world.benchmark, world.bob, 60 * 24 + 5, 90)
    # Alice's label is rejected, reworked and accepted a day later: two reviews on two days.
    await run(
        database,
        lambda s: review_label(
            s, label_id=alices, reviewer_id=world.bob, verdict="THUMBS_DOWN", seconds_to_review=5,
            comment="wrong class", reviewed_at=at(30),
        ),
    )  # fmt: skip
    await run(
        database,
        lambda s: rework_label(s, label_id=alices, labeler_id=world.alice, answer={"cls": "bus"}, rework_seconds=9),
    )
    await run(
        database,
        lambda s: review_label(
            s, label_id=alices, reviewer_id=world.bob, verdict="THUMBS_UP", seconds_to_review=4,
            reviewed_at=at(60 * 24 + 40),
        ),
    )  # fmt: skip
    grains = await _grains(database)
    _assert_sums(grains)
    assert [row[-1] for row in grains["labels"]] == [2, 1]  # Alice's and Carol's bin, then Bob's
    assert [row[-1] for row in grains["vendor labels"]] == [2, 1]  # one vendor
    assert len(grains["reviews"]) == len(grains["vendor reviews"]) == 2

    # A label moved to another day and bin, then one removed: the labeler rows and the project rows move together.
    day = at(0).date().isoformat()
    carols = LabelFacts(
        project_id=world.project, labeler_id=world.carol, day=day, bin=bin_of(30.0), labels=1, seconds=30.0,
        rework_seconds=0.0, reworked=0, accepted=0, first_pass=0, reviewed_first_pass=0, decided=0, benchmarks=0,
        benchmarks_correct=0,
    )  # fmt: skip
    moved = replace(carols, day=at(60 * 24).date().isoformat(), bin=bin_of(90.0), seconds=90.0)
    async with database.transaction() as session:
        await label_changed(session, carols, moved)
    grains = await _grains(database)
    _assert_sums(grains)
    assert [row[-1] for row in grains["labels"]] == [1, 2]
    async with database.transaction() as session:
        await label_changed(session, moved, None)
    grains = await _grains(database)
    _assert_sums(grains)
    assert [row[-1] for row in grains["labels"]] == [1, 1]

    # A rebuild of the first day (the importer's path) and a full rebuild give the maintained rows back.
    async with database.transaction() as session:
        for statement in rebuild_statements(world.project, [day]):
            await session.execute(statement)
    rebuilt_day = await _grains(database)
    _assert_sums(rebuilt_day)
    async with database.transaction() as session:
        await rebuild_rollups(session)
    rebuilt = await _grains(database)
    assert rebuilt == rebuilt_day
    assert [row[-1] for row in rebuilt["labels"]] == [2, 1]  # Carol's label counts again where it really is
