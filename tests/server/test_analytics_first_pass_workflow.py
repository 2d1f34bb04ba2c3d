"""First-pass acceptance, both figures, for labels made through the workflow (submit, review, rework), against the
rows: reviews made after a window's end, rework chains (rejected, reworked, rejected again, reworked, accepted),
labels accepted without review (half the labels are reviewed), and labels still awaiting review or rework.

For the labels submitted in the window: first-pass acceptance is those accepted with no rework over those that had
a verdict (accepted, rejected, or reworked at least once); reviewed first-pass acceptance is those a reviewer
accepted with no rework over those that had a review. Verdicts are the labels' current ones, so a review after the
window's end counts. The figures are compared for the project, per day and per labeler, live and after a rebuild
of the rollups, on windows of whole days and cut inside days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import LabelStatus, ReviewVerdict
from server.db.models import Label, Review, Task
from server.services.analytics import project_dashboard
from server.services.rollups import rebuild_rollups
from server.services.workflow import review_label, rework_label, submit_label
from tests.server.test_workflow_world import T0, build_world, run

DAY = timedelta(days=1)


async def _history(database: Database) -> int:
    world = await build_world(database, review_share=0.5)
    rng = np.random.default_rng(20261206)
    people = [world.alice, world.bob, world.carol]
    async with database.transaction() as session:
        tasks = [Task(project_id=world.project, external_id=f"x{i}", created_at=T0) for i in range(60)]
        session.add_all(tasks)
        await session.flush()
        task_ids = [task.id for task in tasks]
    for index, task_id in enumerate(task_ids):
        author = people[index % 3]
        reviewer = people[(index + 1) % 3]
        submitted = T0 + timedelta(hours=float(rng.uniform(1, 60)))

        async def submit(session: Any, task_id: int = task_id, author: int = author, at: datetime = submitted) -> Any:
            return await submit_label(
                session, task_id=task_id, labeler_id=author, answer={"cls": "car"},
                started_at=at - timedelta(seconds=30), submitted_at=at,
            )  # fmt: skip

        label = await run(database, submit)
        if label.status is not LabelStatus.SUBMITTED:
            continue  # accepted without review
        # Some never reviewed; the others reviewed up to two days later, rejected and reworked up to twice.
        if rng.random() < 0.15:
            continue
        reviewed = submitted
        for round_ in range(3):
            reviewed += timedelta(hours=float(rng.uniform(0.5, 30)))
            up = round_ == 2 or rng.random() < 0.6
            verdict = ReviewVerdict.THUMBS_UP if up else ReviewVerdict.THUMBS_DOWN

            async def review(
                session: Any, label_id: int = label.id, when: datetime = reviewed, by: int = reviewer, **kw: Any
            ) -> Any:
                return await review_label(
                    session, label_id=label_id, reviewer_id=by, seconds_to_review=12.0, comment="why",
                    reviewed_at=when, **kw,
                )  # fmt: skip

            await run(database, lambda s, v=verdict: review(s, verdict=v))
            if up:
                break
            if rng.random() < 0.2:
                break  # left rejected
            await run(
                database,
                lambda s, label_id=label.id, author=author: rework_label(
                    s, label_id=label_id, labeler_id=author, answer={"cls": "bus"}, rework_seconds=20.0
                ),
            )
            if rng.random() < 0.15:
                break  # reworked, awaiting review
    return world.project


def _figures(labels: list[Label], reviewed: set[int]) -> tuple[float | None, float | None, int]:
    decided = [lab for lab in labels if lab.status != LabelStatus.SUBMITTED or lab.rework_count > 0]
    first = [lab for lab in decided if lab.status == LabelStatus.ACCEPTED and lab.rework_count == 0]
    had_review = [lab for lab in decided if lab.id in reviewed]
    reviewed_first = [lab for lab in first if lab.id in reviewed]
    return (
        len(first) / len(decided) if decided else None,
        len(reviewed_first) / len(had_review) if had_review else None,
        len(had_review),
    )


def _approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, rel=1e-12)


WINDOWS = [
    (T0, T0 + 3 * DAY),
    (T0 - timedelta(hours=9), T0 + DAY - timedelta(hours=9)),  # midnight to midnight
    (T0 + timedelta(hours=5, minutes=17), T0 + timedelta(hours=29, minutes=3)),  # reviews after its end
    (T0 + timedelta(hours=20), T0 + timedelta(hours=20, minutes=1)),
    (T0 + timedelta(hours=40, seconds=1), T0 + 4 * DAY),
]


async def test_first_pass_figures_equal_the_rows_live_and_after_a_rebuild(database: Database) -> None:
    project_id = await _history(database)
    async with database.session() as session:
        labels = list((await session.execute(select(Label).join(Task).where(Task.project_id == project_id))).scalars())
        reviews = list((await session.execute(select(Review))).scalars())
    reviewed = {review.label_id for review in reviews}
    chains = [lab for lab in labels if lab.rework_count >= 2 and lab.status == LabelStatus.ACCEPTED]
    assert chains and any(lab.id not in reviewed and lab.status == LabelStatus.ACCEPTED for lab in labels)
    for rebuilt in (False, True):
        if rebuilt:
            async with database.transaction() as session:
                await rebuild_rollups(session)
        for start, end in WINDOWS:
            inside = [lab for lab in labels if start <= lab.submitted_at < end]
            async with database.session() as session:
                dashboard = await project_dashboard(session, project_id, start=start, end=end)
            first, reviewed_first, had_review = _figures(inside, reviewed)
            quality = dashboard.quality
            where = (rebuilt, start, end)
            assert quality.first_pass_acceptance == _approx(first), where
            assert quality.reviewed_first_pass_acceptance == _approx(reviewed_first), where
            assert quality.reviewed_labels == had_review, where
            by_day: dict[str, list[Label]] = defaultdict(list)
            by_labeler: dict[int, list[Label]] = defaultdict(list)
            for lab in inside:
                by_day[lab.submitted_at.date().isoformat()].append(lab)
                by_labeler[lab.labeler_id].append(lab)
            for bucket in dashboard.days:
                first, reviewed_first, _ = _figures(by_day.get(bucket.day.isoformat(), []), reviewed)
                assert bucket.first_pass_acceptance == _approx(first), (where, bucket.day)
                assert bucket.reviewed_first_pass_acceptance == _approx(reviewed_first), (where, bucket.day)
            assert {row.labeler_id for row in dashboard.labelers} == set(by_labeler), where
            for row in dashboard.labelers:
                first, reviewed_first, had_review = _figures(by_labeler[row.labeler_id], reviewed)
                assert row.quality.first_pass_acceptance == _approx(first), (where, row.labeler_id)
                assert row.quality.reviewed_first_pass_acceptance == _approx(reviewed_first), (where, row.labeler_id)
                assert row.quality.reviewed_labels == had_review, (where, row.labeler_id)
