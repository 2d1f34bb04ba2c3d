"""Planning computations off the event loop: budgeted, in the server's simulation pool, killed with the request.

The planning queries keep their shape; they call :func:`simulate` where they used to start a thread. A worker
process runs the simulation, so the request timeout (or a client going away) cancels the await and kills the
worker instead of leaving a thread burning CPU that nothing can stop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from server.graphql.context import Info
from server.graphql.planning.inputs import ScenarioSourceInput
from server.services.jobs import runner_for
from server.services.simulation_budget import Fields, Workload, check_budget, workload
from simulator.scenario import Scenario

__all__ = ["base_fields", "check_runs", "simulate"]

T = TypeVar("T")


async def simulate(info: Info, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in a worker of the server's simulation pool (a module-level function)."""
    pool = runner_for(info.context.database, info.context.settings).pool
    result: T = await pool.run(functools.partial(function, *args, **kwargs))
    return result


def base_fields(source: ScenarioSourceInput | None, scenario: Scenario, field: str = "input.base") -> Fields:
    """Where each dimension of a base scenario comes from, as the client gave it."""

    def named(path: str, value: Any) -> tuple[str, Any]:
        if source is None:
            return field, None
        if source.document is not None:
            return f"{field}.document.{path}", value
        if source.scenario_id is not None:
            return f"{field}.scenarioId", source.scenario_id.node_id
        if source.project_id is not None:
            return f"{field}.projectId", source.project_id.node_id
        return field, None

    people = sum(p.headcount.production + p.headcount.training + p.headcount.hiring for p in scenario.workforce)
    return {
        "tasks": named("demand.base_per_day", scenario.demand.base_per_day),
        "labelers": named("workforce", people),
        "days": named("horizon_days", scenario.horizon_days),
    }


def check_runs(info: Info, runs: Sequence[tuple[Scenario | Workload, int, Fields]]) -> None:
    """Raise ValidationFailed when the runs exceed the operator's simulation budget."""
    sized = [(item if isinstance(item, Workload) else workload(item), count, fields) for item, count, fields in runs]
    check_budget(sized, info.context.settings.simulation_budget)
