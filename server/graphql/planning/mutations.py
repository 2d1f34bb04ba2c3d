"""Planning mutations: save a scenario version, start a simulation run, cancel it."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import PROGRAM_MANAGERS, mutation
from server.db.planning import SimulationRun, StoredScenario
from server.graphql.context import Info
from server.graphql.errors import ARGUMENTS, error_for, mutate
from server.graphql.ids import decode_id
from server.graphql.planning.types import (
    RunPayload,
    RunResult,
    ScenarioPayload,
    ScenarioResult,
    ScenarioVersion,
    SimulationRunType,
)
from server.services import scenarios as scenario_service
from server.services.errors import InvalidTransition, Path, ValidationFailed
from server.services.jobs import configured_executors, default_executor, runner_for
from server.services.planning import Planner
from server.settings import Settings

__all__ = ["PlanningMutations"]


@strawberry.input
class SaveScenarioInput:
    name: str = strawberry.field(description="Saving under an existing name stores its next version.")
    document: JSON = strawberry.field(description="The scenario, field by field as in the TOML files.")
    description: str = ""


@strawberry.input
class RunSimulationInput:
    scenario_id: relay.GlobalID = strawberry.field(description="The ScenarioVersion to simulate.")
    replications: int = 200
    seed: int = 0
    executor: str | None = strawberry.field(
        default=None,
        description="A named executor the server is configured with: `local` (its simulation pool) or `dask` "
        "(only when the operator set LABELOPS_DASK_ADDRESS); default: `dask` when configured, else `local`.",
    )


def _executor(value: str | None, settings: Settings) -> str:
    """The executor a client picked, among the operator's; never an address or a worker count."""
    if value is None:
        return default_executor(settings)
    names = configured_executors(settings)
    if value not in names:
        raise ValidationFailed(("executor",), value, f"must be one of the configured executors: {', '.join(names)}")
    return value


def _check_budget(info: Info, stored: StoredScenario, scenario_id: relay.GlobalID, replications: int) -> None:
    """A run, too, must fit the simulation budget: it holds pool workers as long as any request. A refusal quotes
    the scenario's id as the client gave it."""
    scenario = scenario_service.parse_scenario(stored.document, field=("scenario_id",))
    source: tuple[Path, Any] = (("scenario_id",), str(scenario_id))
    planner = Planner(info.context.database, info.context.settings)
    planner.check([(scenario, replications, {"tasks": source, "labelers": source, "days": source})])


def _run_node(run: SimulationRun, scenario: StoredScenario) -> SimulationRunType:
    return SimulationRunType.from_row(run, scenario)


@strawberry.type
class PlanningMutations:
    @mutation(
        PROGRAM_MANAGERS,
        description="Store a scenario; a name already stored gets its next version (versions never change).",
    )
    async def save_scenario(self, info: Info, input: SaveScenarioInput) -> ScenarioResult:
        async def operation(session: AsyncSession) -> ScenarioPayload:
            stored = await scenario_service.save_scenario(
                session, input.name, cast(dict[str, Any], document), input.description
            )
            return ScenarioPayload(scenario=ScenarioVersion.from_row(stored))

        document = input.document
        if not isinstance(document, dict):
            return error_for(ValidationFailed(("document",), input.document, "must be a JSON object"))
        return await mutate(info, operation)

    @mutation(
        PROGRAM_MANAGERS,
        description="Queue a Monte Carlo run of a stored scenario version; it runs off the server's event loop.",
    )
    async def run_simulation(self, info: Info, input: RunSimulationInput) -> RunResult:
        async def operation(session: AsyncSession) -> RunPayload:
            key = decode_id(input.scenario_id, "ScenarioVersion", ("scenario_id",))
            run = await scenario_service.create_run(
                session,
                key,
                replications=input.replications,
                seed=input.seed,
                executor=_executor(input.executor, info.context.settings),
            )
            scenario = await scenario_service.get_scenario(session, key)
            _check_budget(info, scenario, input.scenario_id, input.replications)
            return RunPayload(run=_run_node(run, scenario))

        result = await mutate(info, operation)
        if isinstance(result, RunPayload):
            runner_for(info.context.database, info.context.settings).start(int(result.run.id.node_id))
        return result

    @mutation(PROGRAM_MANAGERS, description="Cancel a QUEUED or RUNNING run; a finished run cannot be cancelled.")
    async def cancel_run(self, info: Info, id: relay.GlobalID) -> RunResult:
        async def check(session: AsyncSession) -> int:
            key = decode_id(id, "SimulationRun", ("id",))
            run = await scenario_service.get_run(session, key)
            if run.status.finished:
                raise InvalidTransition("SimulationRun", run.status.value, "CANCELLED", reason="it has finished")
            return key

        checked = await mutate(info, check, root=ARGUMENTS)
        if not isinstance(checked, int):
            return checked
        await runner_for(info.context.database, info.context.settings).cancel(checked)

        async def reload(session: AsyncSession) -> RunPayload:
            run = await scenario_service.get_run(session, checked)
            if not run.status.finished:
                raise InvalidTransition("SimulationRun", run.status.value, "CANCELLED", reason="it finished meanwhile")
            scenario = await scenario_service.get_scenario(session, run.scenario_id)
            return RunPayload(run=_run_node(run, scenario))

        return await mutate(info, reload)
