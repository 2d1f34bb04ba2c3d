"""Planning subscriptions: a simulation run's progress, streamed over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.auth.scoping import visible
from server.db.planning import SimulationRun
from server.graphql.context import Info
from server.graphql.errors import as_graphql_error
from server.graphql.ids import decode_id
from server.graphql.planning.types import RunProgress
from server.services.errors import DomainError, NotFound
from server.services.jobs import runner_for

__all__ = ["PlanningSubscriptions"]


async def _may_see_run(info: Info, key: int) -> bool:
    statement = visible(select(SimulationRun.id).where(SimulationRun.id == key), SimulationRun, info.context.viewer)
    async with info.context.database.session() as session:
        return await session.scalar(statement) is not None


@strawberry.type
class PlanningSubscriptions:
    @strawberry.subscription(description="A run's status and progress whenever they change; ends when it finishes.")
    async def run_progress(self, info: Info, run_id: relay.GlobalID) -> AsyncGenerator[RunProgress, None]:
        try:
            key = decode_id(run_id, "SimulationRun", ("run_id",))
        except DomainError as error:
            raise as_graphql_error(error) from None
        runner = runner_for(info.context.database, info.context.settings)
        # Runs are planning records: a run the viewer may not see is as missing as one that does not exist.
        if not await _may_see_run(info, key) or await runner.snapshot(key) is None:
            raise as_graphql_error(NotFound("SimulationRun", key, path=("run_id",)))
        async for snapshot in runner.watch(key):
            yield RunProgress(run_id=run_id, status=snapshot.status, progress=snapshot.progress, error=snapshot.error)
