"""Backtest on the demo workspace: calibrate on weeks 1..k, forecast k+1..k+4 from the state at the cut.

Prints, per project, the backlog open at the cut by stage, the weekly figures (actual, conditional forecast fed
the demand that arrived, unconditional forecast on fitted demand, naive baseline) and the MAPE table.

Run: .venv/bin/python benchmarks/backtest_demo.py [--demo-seed 7] [--train-weeks 4] [--replications 16] [--seed 0]
     [--replay | --planner-rule] [--parameter-draws]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.demo_world import demo_database
from server.db.models import Project
from server.services.backtest import BacktestErrors, backtest_records, load_flow
from server.services.history import ProjectRecords, load_records
from simulator.latency import FlowHistory

#: The conditional forecast's backlog MAPE it is held to, in percent.
_TARGET_MAPE = 10.0


def _percent(value: float | None) -> str:
    return "   -" if value is None else f"{value:5.1f}%"


def _pickup(records: ProjectRecords, flow: FlowHistory, weeks: int) -> None:
    """What the records say about the wait before labeling, week by week: tasks' median wait from arrival to
    their first label's submission, and the hours the whole team spent labeling per day (is the team saturated?)."""
    first = np.full(flow.task_created.size, np.inf)
    np.minimum.at(first, flow.label_task, flow.label_submitted)
    waits, hours = [], []
    for w in range(weeks):
        arrived = (flow.task_created >= 7 * w) & (flow.task_created < 7 * (w + 1)) & np.isfinite(first)
        waits.append(float(np.median(first[arrived] - flow.task_created[arrived])) if arrived.any() else np.nan)
        started = (records.label_started >= 7 * w) & (records.label_started < 7 * (w + 1))
        hours.append(float(records.label_seconds[started].sum()) / 3600.0 / 7.0)
    print("  median days from arrival to first label, by week of arrival: " + " ".join(f"{v:.2f}" for v in waits))
    print("  labeling hours per day, whole team, by week:                  " + " ".join(f"{v:.1f}" for v in hours))


def _row(name: str, errors: BacktestErrors) -> str:
    return (
        f"  | {name:<13} | {_percent(errors.throughput_mape)} | {_percent(errors.completions_mape)} "
        f"| {_percent(errors.backlog_mape)} |"
    )


async def _main(
    demo_seed: int,
    train_weeks: int,
    horizon_weeks: int,
    replications: int,
    seed: int,
    replay: bool,
    parameter_draws: bool,
    planner_rule: bool,
) -> None:
    started = time.perf_counter()
    async with demo_database(demo_seed) as database:
        print(f"demo seed {demo_seed} seeded in {time.perf_counter() - started:.1f} s")
        async with database.session() as session:
            projects = (await session.execute(select(Project.id, Project.name).order_by(Project.id))).all()
        for project_id, name in projects:
            try:
                records = await load_records(database, project_id)
            except Exception as error:  # a project without tasks has no history to backtest
                print(f"{name}: skipped ({error})")
                continue
            if records.days // 7 < train_weeks + horizon_weeks:
                print(f"{name}: skipped ({records.days} days of history)")
                continue
            flow = await load_flow(database, project_id, records.start)
            started = time.perf_counter()
            report = backtest_records(
                records,
                flow,
                train_weeks=train_weeks,
                horizon_weeks=horizon_weeks,
                replications=replications,
                seed=seed,
                replay=replay,
                parameter_draws=parameter_draws,
                planner_rule=planner_rule,
            )
            elapsed = time.perf_counter() - started
            opened = report.open_at_cut
            print(
                f"{name}: train weeks 1..{train_weeks}, forecast {horizon_weeks} weeks ({elapsed:.1f} s); "
                f"open at the cut: {opened.total} ({opened.to_label} to label, {opened.in_review} in review, "
                f"{opened.in_rework} in rework)"
            )
            actual_clear, forecast_clear = report.open_cleared_actual, report.open_cleared_forecast
            if actual_clear is not None and forecast_clear is not None:
                print(
                    f"  that backlog cleared in {actual_clear.median_days:.2f} days (median), "
                    f"{actual_clear.p90_days:.2f} (90th percentile); conditional forecast "
                    f"{forecast_clear.median_days:.2f} and {forecast_clear.p90_days:.2f}"
                )
            print("  week: throughput / completions since the cut / backlog at week end")
            print("        actual | conditional | unconditional | baseline")
            for week in report.weeks:
                cells = [week.actual, week.conditional, week.unconditional, week.baseline]
                print(
                    f"  {week.week}: "
                    + " | ".join(f"{c.throughput:5.0f} / {c.completions:6.0f} / {c.backlog:4.0f}" for c in cells)
                )
            # Bias or noise: a forecast consistently above (or below) the records is bias.
            signed = [
                f"{100 * (w.conditional.backlog - w.actual.backlog) / w.actual.backlog:+.0f}%"
                for w in report.weeks
                if w.actual.backlog > 0
            ]
            print("  conditional backlog, signed error by week: " + " ".join(signed))
            _pickup(records, flow, records.days // 7)
            print("  open at week end in the records: to label / in review / in rework")
            for week in report.weeks:
                stages = week.open_actual
                print(f"  {week.week}: {stages.to_label:4d} / {stages.in_review:3d} / {stages.in_rework:3d}")
            print("  | forecast      | throughput | completions | backlog |")
            print(_row("conditional", report.conditional))
            print(_row("unconditional", report.unconditional))
            print(_row("baseline", report.baseline))
            print(_row("cond. floor", report.conditional_floor))
            _held_out(report.conditional_held_out)
            intervals = (("conditional", report.conditional_within), ("unconditional", report.unconditional_within))
            for which, within in intervals:
                print(
                    f"  weeks inside the {which} forecast's 90% interval: throughput "
                    f"{within.throughput}/{within.weeks}, completions {within.completions}/{within.weeks}, "
                    f"backlog {within.backlog}/{within.weeks}"
                )


def _held_out(scores: tuple[BacktestErrors, ...]) -> None:
    """How a right model fares: its own runs as worlds, each forecast by the mean of the others."""
    backlog = [score.backlog_mape for score in scores if score.backlog_mape is not None]
    if not backlog:
        return
    within = sum(value <= _TARGET_MAPE for value in backlog)
    print(
        f"  a right model (its runs as worlds, each forecast by the others' mean): backlog MAPE median "
        f"{statistics.median(backlog):.1f}%, within {_TARGET_MAPE:.0f}% in {within} of {len(backlog)}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo-seed", type=int, default=7)
    parser.add_argument("--train-weeks", type=int, default=4)
    parser.add_argument("--horizon-weeks", type=int, default=4)
    parser.add_argument("--replications", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--replay",
        action="store_true",
        help="finish new tasks by the simulated delay mapped onto the recorded ones through a replay of the "
        "weeks before the cut, not at the later of the two clocks",
    )
    parser.add_argument(
        "--planner-rule",
        action="store_true",
        help="finish new tasks as planning answers do: recorded review and rework waits in the scenario, the wait "
        "to be labeled the simulated team's alone",
    )
    parser.add_argument(
        "--parameter-draws",
        action="store_true",
        help="each replication draws the calibrated figures (speeds, hours, review) from their intervals",
    )
    args = parser.parse_args()
    asyncio.run(
        _main(
            args.demo_seed,
            args.train_weeks,
            args.horizon_weeks,
            args.replications,
            args.seed,
            args.replay,
            args.parameter_draws,
            args.planner_rule,
        )
    )
