"""What the review and rework tail does to planning answers on the demo workspace.

Per project: the share of tasks accepted within the SLA in the records (before the last ten days' surge, and in
it), beside the calibrated scenario's SLA attainment over the next four weeks (``slaFeasibility``'s estimate,
16 replications): with its recorded review and rework waits (the planning default: the wait before labeling
comes from the simulated team), with the recorded wait before labeling as a floor too, and without waits.

Run: .venv/bin/python benchmarks/sla_tail.py
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.demo_world import demo_database
from server.db.models import Project
from server.services.history import calibrated_scenario, load_flow, load_records
from simulator.planning.feasibility import check_feasibility

_SURGE_DAYS = 10


def _recorded(created: np.ndarray, completed: np.ndarray, hours: float, lo: float, hi: float) -> float:
    """Share of the tasks arriving in [lo, hi) accepted within ``hours`` (those not accepted count as late)."""
    window = (created >= lo) & (created < hi)
    turnaround = np.nan_to_num((completed[window] - created[window]) * 24.0, nan=np.inf)
    return float(np.mean(turnaround <= hours))


async def _main() -> None:
    print("| project | SLA | recorded, weeks before the surge | recorded, in the surge | forecast with review waits "
          "| with recorded pickup too | without waits |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    async with demo_database(7) as database:
        async with database.session() as session:
            projects = (await session.execute(select(Project.id, Project.name).order_by(Project.id))).all()
        for project_id, name in projects:
            try:
                records = await load_records(database, project_id)
                scenario = (await calibrated_scenario(database, project_id)).scenario
            except Exception as error:  # a project without history to calibrate
                print(f"<!-- {name}: skipped ({error}) -->")
                continue
            flow = await load_flow(database, project_id, records.start)
            hours = scenario.sla.turnaround_hours
            surge = records.days - _SURGE_DAYS
            # The last SLA's worth of arrivals cannot have met it yet: left out.
            before = _recorded(flow.task_created, flow.task_completed, hours, 0.0, surge)
            during = _recorded(flow.task_created, flow.task_completed, hours, surge, records.days - hours / 24.0)
            waits = scenario.waits
            variants = (
                scenario,
                replace(scenario, waits=None if waits is None else replace(waits, labeling_from_records=True)),
                replace(scenario, waits=None),
            )
            cells = []
            for variant in variants:
                attained = check_feasibility(variant, replications=16, seed=0).sla_attainment
                cells.append(f"{attained.mean:.1%} ({attained.ci_low:.1%}-{attained.ci_high:.1%})")
            print(
                f"| {name} | {scenario.sla.required_attainment:.0%} within {hours:.0f} h | {before:.1%} "
                f"| {during:.1%} | {' | '.join(cells)} |",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(_main())
