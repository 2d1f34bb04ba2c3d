"""Cheapest plan on every demo project with the console's defaults: time, plan, P(SLA met) with its CI, cost.

The console offers head counts 0, 2 and 4 on every pool of the calibrated scenario, hiring from day 0, a 0.9
required probability, 8 screening and 32 confirming replications. The search must answer each within 20 s.

With ``--flat-demand`` the calibrated demand is replaced by the last four weeks' mean arrivals, flat: whether an
infeasible answer comes from the forecast demand or from the team.

Run: .venv/bin/python benchmarks/cheapest_plan.py [--flat-demand]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.demo_world import demo_database
from server.db.models import Project
from server.services.errors import DomainError
from server.services.history import calibrated_scenario, history_until, load_records
from simulator.planning.optimize import HiringOption, cheapest_plan

CONSOLE_COUNTS = (0, 2, 4)
CONSOLE_DAYS = (0.0,)
CONSOLE_REQUIRED_PROBABILITY = 0.9


async def _main(flat_demand: bool) -> None:
    async with demo_database(7) as database:
        async with database.session() as session:
            projects = (await session.execute(select(Project.id, Project.name).order_by(Project.id))).all()
        for project_id, name in projects:
            try:
                scenario = (await calibrated_scenario(database, project_id, field=("project_id",))).scenario
            except DomainError as error:
                print(f"{name}: skipped ({error.message})")
                continue
            demand = scenario.demand
            if flat_demand:
                records = await load_records(database, project_id)
                arrivals = history_until(records, records.days).daily_arrivals[-28:]
                demand = replace(demand, base_per_day=float(arrivals.mean()), trend_per_week=0.0)
                scenario = replace(scenario, demand=demand)
            print(
                f"{name}: demand {demand.base_per_day:.0f} tasks a day, {100 * demand.trend_per_week:+.1f}% a week; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            options = [HiringOption(pool.name, CONSOLE_COUNTS, CONSOLE_DAYS) for pool in scenario.workforce]
            started = time.perf_counter()
            result = cheapest_plan(scenario, options, required_probability=CONSOLE_REQUIRED_PROBABILITY)
            elapsed = time.perf_counter() - started
            best = result.best
            verdict = "meets the SLA" if result.feasible else "no plan meets the SLA; closest"
            print(
                f"{name}: {elapsed:.1f} s, {result.evaluated} of {result.candidates} plans simulated; {verdict}: "
                f"{best.plan.describe()}; P(SLA met) {best.probability:.2f} "
                f"(95% CI {best.probability_low:.2f}-{best.probability_high:.2f}, {best.replications} replications); "
                f"cost {best.expected_cost:,.0f} (95% CI {best.cost_ci[0]:,.0f}-{best.cost_ci[1]:,.0f})"
            )
            for limit in result.limits:
                print(f"  limit ({limit.kind}): {limit.message}")
            for pruned in result.pruned:
                print(f"  left out {pruned.pool}: {pruned.reason}")
            for runner in result.runner_ups:
                cost = runner.expected_cost
                print(f"  runner-up: {runner.plan.describe()}; P {runner.probability:.2f}; cost {cost:,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flat-demand", action="store_true", help="the last four weeks' mean arrivals, flat")
    asyncio.run(_main(parser.parse_args().flat_demand))
