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
from server.db.rollup_tables import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanMember,
    ConsensusSpanMemberValue,
    ConsensusSpanValue,
    ConsensusTask,
    LabelDayRollup,
    LabelTimeBin,
    ProjectTimeBin,
    ReviewDayRollup,
    ReviewerDayRollup,
    ReviewTimeBin,
    VendorTimeBin,
)
from server.services.analytics import Scope
from server.services.analytics.agreement import fetch_agreement
from server.services.analytics.quality import fetch_reviews, quality_metrics
from server.services.rollups import LabelFacts, bin_of, label_changed, rebuild_rollups
from server.services.workflow import review_label, rework_label, submit_label
from server.services.workflow.tasks import mark_benchmark, set_labels_required
from tests.server.engine_events import statements_run
from tests.server.percentile_bound import assert_within_bound, histogram_percentile
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


async def _rows(database: Database) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]]:
    async with database.session() as session:
        rollups = (await session.execute(select(LabelDayRollup.__table__).order_by("day", "labeler_id"))).all()
        bins = (await session.execute(select(LabelTimeBin.__table__).where(LabelTimeBin.labels != 0))).all()
        reviews = (await session.execute(select(ReviewDayRollup.__table__).order_by("day", "labeler_id"))).all()
        review_bins = (await session.execute(select(ReviewTimeBin.__table__))).all()
        reviewers = (await session.execute(select(ReviewerDayRollup.__table__))).all()
        return (
            [tuple(row) for row in rollups],
            sorted(tuple(row) for row in bins),
            [tuple(row) for row in reviews],
            sorted(tuple(row) for row in review_bins),
            sorted(tuple(row) for row in reviewers),
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
    # Carol's label is accepted at its first review: a reviewed first pass, kept through marking its task.
    carols = await run(
        database,
        lambda s: submit_label(
            s,
            task_id=world.consensus,
            labeler_id=world.carol,
            answer={"cls": "car"},
            started_at=at(1),
            submitted_at=at(3),
        ),
    )
    await run(
        database,
        lambda s: review_label(
            s, label_id=carols.id, reviewer_id=world.bob, verdict="THUMBS_UP", seconds_to_review=3, reviewed_at=at(50)
        ),
    )
    await run(database, lambda s: mark_benchmark(s, task_id=world.consensus, gold_answer={"cls": "car"}))
    maintained = await _rows(database)
    async with database.transaction() as session:
        await rebuild_rollups(session)
    rebuilt = await _rows(database)
    assert maintained == rebuilt
    assert len(maintained[0]) == 3
    async with database.session() as session:
        rollups = {row.labeler_id: row for row in (await session.execute(select(LabelDayRollup.__table__))).all()}
    # Alice's label passed after rework, Bob's awaits review, Carol's passed at its first review.
    assert {key: (row.first_pass, row.reviewed_first_pass) for key, row in rollups.items()} == {
        world.alice: (0, 0),
        world.bob: (0, 0),
        world.carol: (1, 1),
    }
    # Both of the first reviews were of Alice's label: one review rollup row, two bins (5 s and 4 s differ).
    assert [(row[1], row[3], row[4], row[5]) for row in maintained[2] if row[1] == world.alice] == [
        (world.alice, 2, 1, 9.0)
    ]
    assert len(maintained[3]) == 3
    # Bob made all three reviews, on one day: his labour is one reviewer row, 5 + 4 + 3 seconds.
    assert [row[1:] for row in maintained[4]] == [(world.bob, maintained[4][0][2], 3, 12.0)]


def _facts(world: World, day: str, bin_index: int, seconds: float) -> LabelFacts:
    return LabelFacts(
        project_id=world.project,
        labeler_id=world.alice,
        day=day,
        bin=bin_index,
        labels=1,
        seconds=seconds,
        rework_seconds=0.0,
        reworked=0,
        accepted=0,
        first_pass=0,
        reviewed_first_pass=0,
        decided=0,
        benchmarks=0,
        benchmarks_correct=0,
    )


@pytest.mark.database
@pytest.mark.parametrize("moved_day", ["2024-03-05", "2024-03-04"], ids=["another day", "the same day"])
async def test_a_label_moved_between_bins_moves_every_rollup_row(database: Database, moved_day: str) -> None:
    # given a label's facts on one day and bin, counted in the rollups
    world: World = await build_world(database)
    first, moved = _facts(world, "2024-03-04", 10, 3.0), _facts(world, moved_day, 20, 7.0)
    await run(database, lambda s: label_changed(s, None, first))
    # when the label moves to another bin, on another day or the same (each table bumped twice; on the same day, its
    # day row twice)
    with statements_run(database) as statements:
        await run(database, lambda s: label_changed(s, first, moved))
    # then its old rows lose it and its new rows count it once, at every grain
    async with database.session() as session:
        days = (await session.execute(select(LabelDayRollup.day, LabelDayRollup.labels, LabelDayRollup.seconds))).all()
        bins = (await session.execute(select(LabelTimeBin.day, LabelTimeBin.bin, LabelTimeBin.labels))).all()
        project = (await session.execute(select(ProjectTimeBin.day, ProjectTimeBin.bin, ProjectTimeBin.labels))).all()
        vendor = (await session.execute(select(VendorTimeBin.bin, VendorTimeBin.day, VendorTimeBin.labels))).all()
    expected_days = (
        [("2024-03-04", 1, 7.0)] if moved_day == "2024-03-04" else [("2024-03-04", 0, 0.0), (moved_day, 1, 7.0)]
    )
    assert sorted(tuple(row) for row in days) == expected_days
    assert sorted(tuple(row) for row in bins) == [("2024-03-04", 10, 0), (moved_day, 20, 1)]
    assert sorted(tuple(row) for row in project) == [("2024-03-04", 10, 0), (moved_day, 20, 1)]
    assert sorted(tuple(row) for row in vendor) == [(10, "2024-03-04", 0), (20, moved_day, 1)]
    # and on PostgreSQL the eight bumps are three statements, none naming a row twice
    if database.dialect == "postgresql":
        assert len(statements) == 3, statements


@pytest.mark.database
async def test_a_label_accepted_without_review_is_a_first_pass_but_not_a_reviewed_one(database: Database) -> None:
    world: World = await build_world(database, review_share=0.0)
    await run(
        database,
        lambda s: submit_label(
            s, task_id=world.task, labeler_id=world.alice, answer={"cls": "car"}, started_at=at(1), submitted_at=at(2)
        ),
    )
    maintained = await _rows(database)
    async with database.transaction() as session:
        await rebuild_rollups(session)
    assert await _rows(database) == maintained
    async with database.session() as session:
        row = (await session.execute(select(LabelDayRollup.__table__))).one()
        quality = await quality_metrics(session, Scope(project_id=world.project))
    assert (row.accepted, row.first_pass, row.reviewed_first_pass, row.decided) == (1, 1, 0, 1)
    assert (quality.first_pass_acceptance, quality.reviewed_labels, quality.reviewed_first_pass_acceptance) == (
        1.0,
        0,
        None,
    )


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


async def _consensus_rows(database: Database) -> list[list[tuple[Any, ...]]]:
    """The consensus tables, without rows whose sums went back to zero."""
    tables = [
        (ConsensusTask.__table__, None),
        (ConsensusSpan.__table__, "units"),
        (ConsensusSpanValue.__table__, "labels"),
        (ConsensusSpanLabeler.__table__, "labels"),
        (ConsensusSpanMember.__table__, "units"),
        (ConsensusSpanMemberValue.__table__, "labels"),
    ]
    async with database.session() as session:
        result = []
        for table, count in tables:
            statement = select(table) if count is None else select(table).where(table.c[count] != 0)
            result.append(sorted(tuple(row) for row in (await session.execute(statement)).all()))
        return result


@pytest.mark.database
async def test_workflow_keeps_the_consensus_sums_equal_to_a_rebuild(database: Database) -> None:
    world: World = await build_world(database)

    async def submit(labeler: int, answer: str, minutes: float) -> Any:
        return await run(
            database,
            lambda s: submit_label(
                s,
                task_id=world.consensus,
                labeler_id=labeler,
                answer={"cls": answer},
                started_at=at(minutes - 1),
                submitted_at=at(minutes),
            ),
        )

    first = await submit(world.alice, "car", 2)
    assert await _consensus_rows(database) == [[], [], [], [], [], []]
    # The second label a day later: the task spans two days.
    second = await submit(world.bob, "bus", 24 * 60 + 5)
    steps = [await _consensus_rows(database)]
    await run(
        database,
        lambda s: review_label(
            s,
            label_id=second.id,
            reviewer_id=world.alice,
            verdict="THUMBS_DOWN",
            seconds_to_review=5,
            comment="it is a car",
            reviewed_at=at(24 * 60 + 30),
        ),
    )
    await run(
        database,
        lambda s: rework_label(s, label_id=second.id, labeler_id=world.bob, answer={"cls": "car"}, rework_seconds=9),
    )
    steps.append(await _consensus_rows(database))
    await run(database, lambda s: set_labels_required(s, task_id=world.consensus, labels_required=3))
    await submit(world.carol, "car", 24 * 60 + 40)
    steps.append(await _consensus_rows(database))
    await run(
        database,
        lambda s: review_label(
            s, label_id=first.id, reviewer_id=world.bob, verdict="THUMBS_UP", seconds_to_review=4, reviewed_at=at(50)
        ),
    )
    maintained = await _consensus_rows(database)
    async with database.transaction() as session:
        await rebuild_rollups(session)
    assert maintained == await _consensus_rows(database)
    # Two labels that disagree, then agree after the rework, then three that agree.
    spans = [[row[3:] for row in step[1]] for step in steps]
    assert spans == [[(2, 1, 0)], [(2, 1, 2)], [(3, 1, 6)]]
    assert [row[2:] for row in maintained[0]] == [
        (at(0).date().isoformat(), (at(0) + timedelta(days=1)).date().isoformat())
    ]


@pytest.mark.database
async def test_agreement_from_the_span_sums_equals_agreement_from_the_labels(database: Database) -> None:
    """Whole-days project windows (span sums plus the tasks crossing the window's edges) against the same window
    computed from the labels alone (a scope without a project: the database holds one project)."""
    rng = np.random.default_rng(5)
    start = datetime(2024, 3, 4, tzinfo=UTC)
    async with database.transaction() as session:
        w = AnalyticsWorld(session)
        vendors = [await w.vendor(), await w.vendor()]
        project = await w.project()
        labelers = [await w.labeler(vendors[index % 2]) for index in range(5)]
        for _ in range(60):
            required = int(rng.integers(1, 5))
            task = await w.task(project, created_at=start, labels_required=required)
            for labeler in rng.permutation(len(labelers))[: int(rng.integers(1, required + 1))]:
                when = start + timedelta(hours=float(rng.uniform(0, 24 * 6)))
                answer = {"c": ["cat", "dog", "bird"][int(rng.integers(0, 3))]}
                await w.label(task, labelers[int(labeler)], answer=answer, at=when)
    async with database.session() as session:
        windows = [(None, None), (0, 7), (1, 3), (2, 3), (0, 1), (3, None), (None, 4)]
        for first, last in windows:
            bounds: dict[str, Any] = {
                "start": None if first is None else start + timedelta(days=first),
                "end": None if last is None else start + timedelta(days=last),
            }
            for filters in ({}, {"vendor_id": vendors[1].id}, {"labeler_id": labelers[2].id}):
                spans = await fetch_agreement(session, Scope(project_id=project.id, **bounds, **filters))
                labels = await fetch_agreement(session, Scope(**bounds, **filters))
                if not filters:
                    units = spans.units
                assert (spans.units, spans.values, spans.pairs, spans.agreeing_pairs) == (
                    labels.units,
                    labels.values,
                    labels.pairs,
                    labels.agreeing_pairs,
                )
                assert spans.by_labeler == labels.by_labeler
                for name in ("pairwise", "observed", "expected", "alpha"):
                    expected = getattr(labels, name)
                    if expected is None:
                        assert getattr(spans, name) is None, name
                    else:
                        assert getattr(spans, name) == pytest.approx(expected, rel=1e-12), name
            assert units > 0
