"""Which clock holds the conditional forecast's backlog open: the simulated capacity, the recorded waits, or both.

The backtest's conditional forecast finishes each new task when the later of two clocks runs out: the simulator's
(labelers and reviewers have got to it) and a wait drawn from the records before the cut. This prints, at week
ends and Saturday midnights after the cut, the new tasks open in the records and in the forecast with each clock
alone and with both, averaged over the replications, plus the tasks finished per day by the simulation and in the
records. The line "replay mapping" is the rule of ``backtest_records(replay=True)``: each task's simulated delay
mapped by rank onto the recorded completions of the weeks before the cut, through a replay of those weeks. A project
is picked by a word of its name.

Run: .venv/bin/python benchmarks/backtest_clocks.py [--demo-seed 13] [--project chatbot] [--train-weeks 4]
[--replications 16] [--seed 0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.demo_world import demo_database
from server.db.models import Project
from server.services.backtest import _capacity_delay_days, open_tasks, replay_training, simulate_trace
from server.services.history import history_until, load_flow, load_records, recorded_waits
from simulator.latency import sample_new
from simulator.planning.calibrate import calibrate

_HORIZON_WEEKS = 4


async def _main(demo_seed: int, project: str, train_weeks: int, replications: int, seed: int) -> None:
    async with demo_database(demo_seed) as database:
        async with database.session() as session:
            projects = (await session.execute(select(Project.id, Project.name).order_by(Project.id))).all()
        matching = [(pid, name) for pid, name in projects if project.lower() in name.lower()]
        if not matching:
            raise SystemExit(f"--project {project!r} matches none of {[name for _, name in projects]}")
        project_id, name = matching[0]
        records = await load_records(database, project_id)
        flow = await load_flow(database, project_id, records.start)
    cut, horizon = 7 * train_weeks, 7 * _HORIZON_WEEKS
    calibration = calibrate(history_until(records, cut), horizon_days=horizon, start_day=cut)
    fit = recorded_waits(records, flow, cut)
    opened = open_tasks(flow, cut)
    created, completed = flow.task_created, flow.task_completed
    arriving = (created >= cut) & (created < cut + horizon)
    trace = np.bincount(np.floor(created[arriving] - cut).astype(np.int64), minlength=horizon)[:horizon]
    to_label = sum(task.missing_labels > 0 for task in opened)
    trace[0] += to_label
    scenario = replace(calibration.scenario, horizon_days=horizon)
    runs = simulate_trace(scenario, trace.astype(float), replications, seed, at_start=to_label)
    arrivals, required = created[arriving] - cut, flow.task_required[arriving]
    rng = np.random.default_rng(seed)
    checks = [float(d) for w in range(_HORIZON_WEEKS) for d in (7 * w + 5, 7 * w + 7)]
    replayed = replay_training(flow, calibration.scenario, fit, cut, replications=replications, seed=seed)
    clocks: dict[str, list[list[int]]] = {
        "capacity alone": [],
        "recorded waits alone": [],
        "both, later": [],
        "replay mapping": [],
    }
    for (sim_arrival, sim_finish), run_fit in zip(runs, replayed, strict=True):
        capacity = _capacity_delay_days(sim_arrival, sim_finish, arrivals)
        waits = sample_new(fit, required, rng, arrived=cut + arrivals)
        excess = sample_new(run_fit, required, rng, arrived=cut + arrivals, capacity=capacity)
        for key, delay in zip(clocks, (capacity, waits, np.maximum(capacity, waits), excess), strict=True):
            clocks[key].append([int(np.sum((arrivals < c) & (arrivals + delay >= c))) for c in checks])
    actual = [int(np.sum((created >= cut) & (created < cut + c) & ~(completed < cut + c))) for c in checks]
    print(f"{name}, demo seed {demo_seed}: new tasks open, days after the cut (Saturday 00:00, Monday 00:00)")
    print(f"  {'day':<22}" + "".join(f"{c:7.0f}" for c in checks))
    print(f"  {'records':<22}" + "".join(f"{v:7d}" for v in actual))
    for key, values in clocks.items():
        print(f"  {key:<22}" + "".join(f"{v:7.1f}" for v in np.mean(values, axis=0)))
    finished = np.concatenate([finish for _, finish in runs]) / 24.0
    finished = finished[np.isfinite(finished)]
    per_day = np.bincount(np.floor(finished).astype(np.int64), minlength=horizon)[:horizon] / replications
    recorded = [int(np.sum((completed >= cut + d) & (completed < cut + d + 1))) for d in range(horizon)]
    print("  tasks finished per day, simulated: " + " ".join(f"{v:.0f}" for v in per_day))
    print("  tasks finished per day, records:   " + " ".join(str(v) for v in recorded))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-seed", type=int, default=13)
    parser.add_argument("--project", default="chatbot")
    parser.add_argument("--train-weeks", type=int, default=4)
    parser.add_argument("--replications", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(_main(args.demo_seed, args.project, args.train_weeks, args.replications, args.seed))


if __name__ == "__main__":
    main()
