"""The ops manager's question on the demo workspace: in a 2x demand spike, does hiring 15 Northwind labelers for
the chatbot project move SLA attainment? With calibrated pools made of people, it does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from server.db import Database
from server.db.models import Project
from server.services.demo.seed import seed_demo
from server.services.history import calibrated_scenario
from simulator.montecarlo import run_monte_carlo
from simulator.planning.worktime import apportion
from simulator.scenario import Scenario, Spike

NORTHWIND = "Northwind Annotation"


def _with_people(scenario: Scenario, vendor: str, people: int) -> Scenario:
    """``people`` more in production at ``vendor``, spread over its shift pools like the people it has."""
    pools = [p for p in scenario.workforce if p.vendor == vendor]
    extra = dict(zip((p.name for p in pools), apportion(people, [p.headcount.production for p in pools]), strict=True))
    return replace(
        scenario,
        workforce=tuple(
            replace(p, headcount=replace(p.headcount, production=p.headcount.production + extra.get(p.name, 0)))
            for p in scenario.workforce
        ),
    )


async def test_hiring_fifteen_northwind_labelers_moves_sla_attainment_in_a_2x_spike(database: Database) -> None:
    # The demo workspace as `labelops seed-demo` writes it (default scale).
    await seed_demo(database, seed=7, anchor=datetime(2026, 11, 30, tzinfo=UTC), scale=1.0)
    async with database.session() as session:
        chatbot = (await session.execute(select(Project.id).where(Project.name.like("Support chatbot%")))).scalar_one()
    calibration = await calibrated_scenario(database, chatbot)
    northwind = calibration.fitted.pool(NORTHWIND)
    # Each of them gives what Northwind's people give the project; a hire is one more such person.
    assert all(
        p.shift_hours == northwind.shifts[0].shift_hours
        for p in calibration.scenario.workforce
        if p.vendor == NORTHWIND
    )
    spike = replace(
        calibration.scenario,
        demand=replace(calibration.scenario.demand, spikes=(Spike(0.0, calibration.scenario.horizon_days, 2.0),)),
    )
    hired = _with_people(spike, NORTHWIND, 15)
    assert (
        sum(p.headcount.production for p in hired.workforce)
        == sum(p.headcount.production for p in spike.workforce) + 15
    )
    before = run_monte_carlo(spike, replications=16, seed=5, executor="serial").summary
    after = run_monte_carlo(hired, replications=16, seed=5, executor="serial").summary
    sla_before, sla_after = before["sla_attainment"], after["sla_attainment"]
    # Material, not total: the team was busy before the spike, Northwind's people give the chatbot half of each
    # shift, and tasks arriving after Friday's shifts wait for Monday whoever is hired. Fifteen of them close most
    # of the gap in completed work, and many times more tasks meet their turnaround.
    assert sla_after.mean - sla_before.mean >= 0.1
    assert sla_after.mean >= 4 * sla_before.mean
    assert after["tasks_completed"].mean >= 1.5 * before["tasks_completed"].mean
    assert sla_after.ci_low > sla_before.ci_high
    assert after["tasks_completed"].mean > before["tasks_completed"].mean
    assert after["labor_cost"].mean > before["labor_cost"].mean
