"""The backtest's initial state (tasks open at the cut, by stage) and its naive baselines, read from the database."""

from __future__ import annotations

import pytest

from server.db.enums import LabelStatus, ReviewVerdict, TaskStatus
from server.db.session import Database
from server.services.backtest import BacktestFigures, load_flow, naive_baselines, open_backlog
from simulator.latency import OpenTask, open_tasks
from tests.server.test_analytics_world import T0, World, day

CUT_WEEKS = 2
CUT = 7 * CUT_WEEKS


async def test_open_tasks_at_the_cut_and_the_baselines(database: Database) -> None:
    # Given 3 tasks done in week 1, 5 in week 2, and four tasks open at the cut (day 14), one in each situation
    async with database.session() as session, session.begin():
        world = World(session)
        project = await world.project()
        labeler = await world.labeler(await world.vendor())
        reviewer = await world.labeler(await world.vendor())
        for k in range(3):
            task = await world.task(project, day(1 + k), status=TaskStatus.DONE, completed_at=day(2 + k))
            await world.label(task, labeler, at=day(2 + k))
        for k in range(5):
            task = await world.task(project, day(8 + k), status=TaskStatus.DONE, completed_at=day(8 + k, 6))
            await world.label(task, labeler, at=day(8 + k, 6))
        # to label: nobody has opened it
        fresh = await world.task(project, day(13))
        # to label: a consensus task with one of its two labels in, not reviewed yet
        consensus = await world.task(project, day(12, 12), labels_required=2)
        await world.label(consensus, labeler, at=day(13), status=LabelStatus.SUBMITTED)
        # in review: its label submitted half a day before the cut; the review after the cut is not known then
        waiting = await world.task(project, day(12), status=TaskStatus.DONE, completed_at=day(15))
        waiting_label = await world.label(waiting, labeler, at=day(13, 12))
        await world.review(waiting_label, reviewer, ReviewVerdict.THUMBS_UP, seconds=5.0, at=day(15))
        # in rework: turned down a day and a half before the cut, accepted after it
        rework = await world.task(project, day(11), status=TaskStatus.DONE, completed_at=day(16))
        rework_label = await world.label(rework, labeler, at=day(12))
        await world.review(rework_label, reviewer, ReviewVerdict.THUMBS_DOWN, seconds=5.0, at=day(12, 12))
        await world.review(rework_label, reviewer, ReviewVerdict.THUMBS_UP, seconds=5.0, at=day(16))
        # not open: accepted on review before the cut; and a task arriving after the cut
        accepted = await world.task(project, day(13), status=TaskStatus.DONE, completed_at=day(13, 18))
        accepted_label = await world.label(accepted, labeler, at=day(13, 6))
        await world.review(accepted_label, reviewer, ReviewVerdict.THUMBS_UP, seconds=5.0, at=day(13, 18))
        await world.task(project, day(15))
        project_id = project.id
        ids = [fresh.id, consensus.id, waiting.id, rework.id]

    # When the flow records are read and the state at the cut is taken
    flow = await load_flow(database, project_id, T0)
    opened = open_tasks(flow, CUT)

    # Then exactly the four open tasks are there, each at its stage with its age and pending labels
    # (flow positions follow task ids: the eight done tasks come first)
    assert flow.task_created.size == 14 and sorted(ids) == ids
    assert opened == [
        OpenTask(8, "to_label", 1.0, 1, ()),
        OpenTask(9, "to_label", 1.5, 1, ((0, 1.0),)),
        OpenTask(10, "in_review", 2.0, 0, ((0, 0.5),)),
        OpenTask(11, "in_rework", 3.0, 0, ((1, 1.5),)),
    ]
    state = open_backlog(opened)
    assert (state.to_label, state.in_review, state.in_rework, state.total) == (2, 1, 1, 4)
    # And the baselines carry weeks 1-2's mean throughput (3, and 5 + the one accepted on day 13) and the
    # backlog at the cut (4) forward
    assert naive_baselines(flow, CUT_WEEKS, 3) == [
        BacktestFigures(4.5, 4.5, 4.0),
        BacktestFigures(4.5, 9.0, 4.0),
        BacktestFigures(4.5, 13.5, 4.0),
    ]


@pytest.mark.parametrize("train_weeks", [1, 6])
async def test_baselines_average_at_most_four_weeks(database: Database, train_weeks: int) -> None:
    # Given one task completed in each of the first six weeks, the k-th week's task completing k times
    async with database.session() as session, session.begin():
        world = World(session)
        project = await world.project()
        for week in range(6):
            for _ in range(week + 1):
                await world.task(project, day(7 * week + 1), status=TaskStatus.DONE, completed_at=day(7 * week + 2))
        project_id = project.id
    flow = await load_flow(database, project_id, T0)
    # Then the baseline averages the last min(4, k) weeks before the cut
    per_week = {1: 1.0, 6: (3 + 4 + 5 + 6) / 4}[train_weeks]
    assert naive_baselines(flow, train_weeks, 1) == [BacktestFigures(per_week, per_week, 0.0)]
