"""Planning: stored scenarios and runs as the API reads them, and the simulations behind its planning questions
(SLA feasibility, cheapest plan, what-if comparison).

Every simulation is sized against the operator's simulation budget before any worker starts, then runs in the
server's simulation pool (the job runner's): the event loop keeps serving, and a request cut by its timeout takes
its worker down with it. Budget refusals name the input field that drives the heaviest run, from the ``Fields``
the caller passes (this module knows scenarios, not the API's input names).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.planning import RunStatus, SimulationRun, StoredScenario
from server.db.session import Database
from server.services.jobs import runner_for
from server.services.simulation_budget import Fields, Workload, check_budget, workload
from server.settings import Settings
from simulator.planning.feasibility import FeasibilityReport, check_feasibility
from simulator.planning.optimize import HiringOption, PlanSearchResult, cheapest_plan
from simulator.planning.whatif import Variant, VariantResult, apply_variant, compare
from simulator.scenario import Pool, Scenario

__all__ = [
    "Planner",
    "find_scenario",
    "latest_scenarios",
    "recent_runs",
    "run_with_scenario",
    "scenario_history",
    "search_runs",
]

T = TypeVar("T")
Run = tuple[Scenario | Workload, int, Fields]


async def latest_scenarios(session: AsyncSession) -> list[StoredScenario]:
    """The latest version of every stored scenario, by name."""
    latest = (
        select(StoredScenario.name, func.max(StoredScenario.version).label("version"))
        .group_by(StoredScenario.name)
        .subquery()
    )
    statement = (
        select(StoredScenario)
        .join(latest, (StoredScenario.name == latest.c.name) & (StoredScenario.version == latest.c.version))
        .order_by(StoredScenario.name)
    )
    return list((await session.scalars(statement)).all())


async def scenario_history(session: AsyncSession, name: str) -> list[StoredScenario]:
    """Every version of the scenario called ``name``, oldest first."""
    statement = select(StoredScenario).where(StoredScenario.name == name).order_by(StoredScenario.version)
    return list((await session.scalars(statement)).all())


async def find_scenario(session: AsyncSession, scenario_id: int) -> StoredScenario | None:
    return await session.get(StoredScenario, scenario_id)


async def run_with_scenario(session: AsyncSession, run_id: int) -> tuple[SimulationRun, StoredScenario] | None:
    run = await session.get(SimulationRun, run_id)
    if run is None:
        return None
    scenario = await session.get(StoredScenario, run.scenario_id)
    assert scenario is not None  # a run's scenario is never deleted
    return run, scenario


async def recent_runs(
    session: AsyncSession, status: RunStatus | None, limit: int
) -> list[tuple[SimulationRun, StoredScenario]]:
    """Runs, newest first, at most ``limit`` (1 to 100)."""
    statement = (
        select(SimulationRun, StoredScenario)
        .join(StoredScenario, StoredScenario.id == SimulationRun.scenario_id)
        .order_by(SimulationRun.id.desc())
        .limit(max(1, min(limit, 100)))
    )
    if status is not None:
        statement = statement.where(SimulationRun.status == status)
    return [(run, scenario) for run, scenario in (await session.execute(statement)).all()]


def _grown(pool: Pool, people: int) -> Pool:
    return replace(pool, headcount=replace(pool.headcount, production=pool.headcount.production + max(0, people)))


def search_runs(
    options: Sequence[HiringOption], screen_replications: int, confirm_replications: int, finalists: int
) -> tuple[int, int]:
    """The runs a plan search may take, on the screening and on the confirming replications: at most one plan per
    count and day of each pool, each screened twice (climbing, then trimming), and the finalists confirmed."""
    steps = 1 + sum(len(o.counts) * max(1, len(o.days)) for o in options)
    return 2 * steps * screen_replications, (finalists + 2) * confirm_replications


@dataclass(frozen=True)
class Planner:
    """The planning questions of one server: budgeted, then simulated in its pool."""

    database: Database
    settings: Settings

    def check(self, runs: Sequence[Run]) -> None:
        """Raise ValidationFailed when the runs exceed the operator's simulation budget."""
        sized = [(item if isinstance(item, Workload) else workload(item), n, fields) for item, n, fields in runs]
        check_budget(sized, self.settings.simulation_budget)

    async def simulate(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` (a module-level function) in a worker of the simulation pool."""
        pool = runner_for(self.database, self.settings).pool
        result: T = await pool.run(functools.partial(function, *args, **kwargs))
        return result

    async def feasibility(
        self, scenario: Scenario, fields: Fields, *, replications: int, seed: int, required_probability: float
    ) -> FeasibilityReport:
        self.check([(scenario, replications, fields)])
        return await self.simulate(
            check_feasibility,
            scenario,
            replications=replications,
            seed=seed,
            required_probability=required_probability,
        )

    async def cheapest(
        self,
        scenario: Scenario,
        options: Sequence[HiringOption],
        fields: Fields,
        *,
        required_probability: float,
        screen_replications: int,
        confirm_replications: int,
        finalists: int,
        seed: int,
    ) -> PlanSearchResult:
        """The plan search, budgeted by the steps it may take: at most one plan per count and day of each pool
        (it climbs and trims, never enumerating plans) on the screening replications, then a few confirmed on more;
        sized as if every hire landed in one pool. ``fields["labelers"]`` should name the options."""
        largest = sum(max(o.counts, default=0) for o in options)
        widest = scenario
        if scenario.workforce:
            widest = replace(scenario, workforce=(*scenario.workforce[:-1], _grown(scenario.workforce[-1], largest)))
        runs = sum(search_runs(options, screen_replications, confirm_replications, finalists))
        self.check([(widest, runs, {**fields, "labelers": (fields["labelers"][0], largest)})])
        return await self.simulate(
            cheapest_plan,
            scenario,
            list(options),
            required_probability=required_probability,
            screen_replications=screen_replications,
            confirm_replications=confirm_replications,
            finalists=finalists,
            seed=seed,
        )

    async def compare(
        self,
        base: Scenario,
        variants: Sequence[tuple[Variant, Fields]],
        fields: Fields,
        *,
        replications: int,
        seed: int,
    ) -> list[VariantResult]:
        """What-if variants beside the base on the same random numbers; each variant budgeted with its own fields."""
        runs: list[Run] = [(base, replications, fields)]
        runs += [(apply_variant(base, variant), replications, own) for variant, own in variants]
        self.check(runs)
        return await self.simulate(compare, base, [v for v, _ in variants], replications=replications, seed=seed)
