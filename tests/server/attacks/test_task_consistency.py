"""Task records stay consistent with their labels: a lowered `labelsRequired` dates the completion at the acceptance
that met the requirement (not at the change), and the demo workspace holds no task whose status its labels deny."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from server.db import Database
from server.db import models as m
from server.db.enums import LabelStatus, ReviewVerdict
from server.services.demo.seed import seed_demo
from server.services.workflow import find_inconsistent_tasks
from tests.server.access_world import build_access_world, gid
from tests.server.attacks.live import Attacker, serving

UPDATE = """
mutation($id: ID!, $required: Int!) {
  updateTask(input: {id: $id, labelsRequired: $required}) {
    __typename ... on TaskPayload { task { status completedAt } } ... on UserError { message }
  }
}
"""


async def test_given_accepted_labels_when_labels_required_is_lowered_then_completion_is_the_meeting_acceptance(
    database: Database,
) -> None:
    # Given a task needing 3 labels with 2 accepted: one at submission, one by a review five hours later
    world = await build_access_world(database)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    async with database.transaction() as session:
        task = m.Task(project_id=world.ids["p1"], external_id="t9", created_at=start, labels_required=3)
        session.add(task)
        await session.flush()
        times = {"started_at": start, "submitted_at": start + timedelta(minutes=1), "seconds_to_label": 60.0}
        at_submission = m.Label(
            task_id=task.id, labeler_id=world.ids["a1"], answer={"c": 1}, status=LabelStatus.ACCEPTED, **times
        )
        later = {**times, "submitted_at": start + timedelta(hours=1)}
        reviewed = m.Label(
            task_id=task.id, labeler_id=world.ids["b2"], answer={"c": 1}, status=LabelStatus.ACCEPTED, **later
        )
        session.add_all([at_submission, reviewed])
        await session.flush()
        accepted_at = start + timedelta(hours=5)
        session.add(
            m.Review(
                label_id=reviewed.id, reviewer_id=world.ids["r1"], verdict=ReviewVerdict.THUMBS_UP,
                seconds_to_review=5.0, created_at=accepted_at,
            )
        )  # fmt: skip
        task_id = gid("Task", task.id)

    async with serving(database) as url, httpx.AsyncClient(timeout=30) as client:
        admin = Attacker(client, url, world)
        # When the requirement drops to the two accepted labels, goes back up, and drops again
        lowered = await admin.post("admin", UPDATE, id=task_id, required=2)
        raised = await admin.post("admin", UPDATE, id=task_id, required=3)
        lowered_again = await admin.post("admin", UPDATE, id=task_id, required=2)

    # Then the task was done when the second label was accepted, each time
    done = {"status": "DONE", "completedAt": accepted_at.isoformat()}
    assert lowered["data"]["updateTask"]["task"] == done, lowered
    assert raised["data"]["updateTask"]["task"] == {"status": "TO_LABEL", "completedAt": None}, raised
    assert lowered_again["data"]["updateTask"]["task"] == done, lowered_again
    async with database.session() as session:
        assert await find_inconsistent_tasks(session) == []


# Each of the first three wrote a task left TO_LABEL with a SUBMITTED label before the demo used the workflow's rule.
DEMOS = [(0.1, 7, "2026-12-03"), (0.05, 3, "2026-12-03"), (0.1, 3, "2026-12-03"), (0.2, 11, "2026-01-05")]


@pytest.mark.parametrize(("scale", "seed", "anchor"), DEMOS)
async def test_given_the_demo_at_any_scale_and_seed_then_every_task_status_agrees_with_its_labels(
    database: Database, scale: float, seed: int, anchor: str
) -> None:
    await seed_demo(database, seed=seed, scale=scale, anchor=datetime.fromisoformat(anchor).replace(tzinfo=UTC))

    async with database.session() as session:
        assert await find_inconsistent_tasks(session) == []
