"""The alerts loop of a server process: every `alerts_interval_seconds` it evaluates each project's enabled rules;
in between it evaluates the projects this process wrote to, `alerts_debounce_seconds` after the first such write
(`server.alerts.changes`), and wakes for the webhook retries falling due. Off when the interval is 0."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection
from datetime import datetime

from server.alerts.changes import ProjectChanges, projects_of, track_changes
from server.alerts.delivery import DeliveryPolicy, deliver_due, next_due
from server.alerts.evaluation import Evaluation, evaluate_project, projects_with_rules
from server.db import Database
from server.db.types import utcnow
from server.settings import Settings

__all__ = ["alerts_lifespan", "evaluate_all", "run_once"]

_log = logging.getLogger(__name__)
_MIN_SLEEP = 0.05


async def evaluate_all(
    database: Database, *, now: datetime | None = None, only: Collection[int] | None = None
) -> list[Evaluation]:
    """Evaluate every project with enabled rules (or those of `only`), each in its own transaction (one failing
    leaves the others)."""
    now = now or utcnow()
    async with database.session() as session:
        project_ids = await projects_with_rules(session)
    if only is not None:
        project_ids = [project_id for project_id in project_ids if project_id in only]
    evaluations: list[Evaluation] = []
    for project_id in project_ids:
        try:
            async with database.transaction() as session:
                evaluations += await evaluate_project(session, project_id, now=now)
        except Exception:  # a project's broken data must not silence every other project's alerts
            _log.exception("evaluating the alerts of project %s failed", project_id)
    return evaluations


async def run_once(database: Database, policy: DeliveryPolicy, *, now: datetime | None = None) -> None:
    """One round: evaluate everything, then send what is due."""
    now = now or utcnow()
    await evaluate_all(database, now=now)
    await deliver_due(database, policy, now=now)


async def _loop(database: Database, settings: Settings, changes: ProjectChanges) -> None:
    policy = DeliveryPolicy.of(settings)
    interval, debounce = settings.alerts_interval_seconds, settings.alerts_debounce_seconds
    loop = asyncio.get_running_loop()
    next_round = loop.time()
    while True:
        try:
            if loop.time() >= next_round:
                changes.take()  # the full round covers them
                await evaluate_all(database)
                next_round = loop.time() + interval
            elif changes.due_in(debounce) == 0.0:
                await evaluate_all(database, only=await projects_of(database, changes.take()))
            await deliver_due(database, policy)
            wake = next_round
            due = await next_due(database)
            if due is not None:
                wake = min(wake, loop.time() + (due - utcnow()).total_seconds())
            marked = changes.due_in(debounce)
            if marked is not None:
                wake = min(wake, loop.time() + marked)
        except Exception:  # the database may be briefly away; try again next round
            _log.exception("the alerts loop failed; retrying in %s s", interval)
            wake = loop.time() + interval
        await changes.wait(max(wake - loop.time(), _MIN_SLEEP))


@contextlib.asynccontextmanager
async def alerts_lifespan(database: Database, settings: Settings) -> AsyncIterator[None]:
    """Run the loop for the application's lifetime (when the interval is above 0)."""
    if settings.alerts_interval_seconds <= 0:
        yield
        return
    changes = track_changes(database)
    task = asyncio.create_task(_loop(database, settings, changes), name="labelops-alerts")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        changes.detach()
