"""Identifiability of calibration: histories generated from known truth, written as platform records (a fresh
SQLite database each), calibrated back. Prints one table row per history, truth -> fitted, and the checks:
headcount exact, hours and speeds (T0, T_inf, plateau share) within 10%, review share within 10%, tau within 25%
where at least six weeks of tenure were seen. A second table: histories where people leave and labels are
reviewed and reworked, with review share and rework rate within 10% and attrition within its 95% interval.

Run: .venv/bin/python benchmarks/identifiability.py [--seeds 1 2] [--demo-seeds 7 11]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from server.db import Base, Database
from server.services.known_truth import CASES, CHURN_CASES, DEMO_PROJECTS
from server.services.recovery import Recovery, recover_demo, recover_simulated


async def _fresh(directory: str, name: str) -> Database:
    database = Database(f"sqlite+aiosqlite:///{Path(directory) / name}")
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


def _pair(true: float | None, fitted: float | None, digits: int = 2) -> str:
    if true is None or fitted is None:
        return "-"
    return f"{true:.{digits}f} -> {fitted:.{digits}f}"


def _people(recovery: Recovery) -> str:
    true, fitted = sum(recovery.people_true.values()), sum(recovery.people_fitted.values())
    by_vendor = "" if len(recovery.people_true) == 1 else f" ({len(recovery.people_true)} vendors)"
    return f"{true} -> {fitted}{by_vendor}"


def _row(recovery: Recovery) -> str:
    checks = recovery.checks()
    verdict = "all" if all(checks.values()) else "FAILED: " + ", ".join(k for k, ok in checks.items() if not ok)
    tau = _pair(recovery.tau_true, recovery.tau_fitted)
    if recovery.weeks_of_tenure < 6.0:
        tau += " (< 6 weeks)"
    cells = [
        recovery.source,
        recovery.case,
        str(recovery.seed),
        f"{recovery.weeks_of_tenure:.1f}",
        _people(recovery),
        _pair(recovery.hours_true, recovery.hours_fitted),
        _pair(recovery.t0_true, recovery.t0_fitted, 0),
        _pair(recovery.t_inf_true, recovery.t_inf_fitted, 0),
        _pair(recovery.plateau_true, recovery.plateau_fitted),
        tau,
        _pair(recovery.review_share_true, recovery.review_share_fitted, 3),
        verdict,
    ]
    return "| " + " | ".join(cells) + " |"


def _churn_row(recovery: Recovery) -> str:
    checks = recovery.checks()
    verdict = "all" if all(checks.values()) else "FAILED: " + ", ".join(k for k, ok in checks.items() if not ok)
    attrition = recovery.attrition_fitted
    fitted = "-" if attrition is None else f"{attrition.value:.3f} ({attrition.low:.3f}-{attrition.high:.3f})"
    true = "-" if recovery.attrition_true is None else f"{recovery.attrition_true:.3f}"
    cells = [
        recovery.case,
        str(recovery.seed),
        _people(recovery),
        _pair(recovery.hours_true, recovery.hours_fitted),
        _pair(recovery.t_inf_true, recovery.t_inf_fitted, 0),
        _pair(recovery.review_share_true, recovery.review_share_fitted, 3),
        _pair(recovery.rework_true, recovery.rework_fitted, 3),
        f"{true} -> {fitted}",
        verdict,
    ]
    return "| " + " | ".join(cells) + " |"


async def _churn(directory: str, seeds: list[int]) -> None:
    print(
        "\n| history | seed | people in production at the end | hours/day | T_inf s | review share | rework rate "
        "| leaving per week (95% CI) | checks passed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for truth in CHURN_CASES:
        for seed in seeds:
            database = await _fresh(directory, f"{truth.name[0]}-{seed}.sqlite3")
            try:
                print(_churn_row(await recover_simulated(database, truth, seed)), flush=True)
            finally:
                await database.dispose()


async def _main(seeds: list[int], demo_seeds: list[int], churn_only: bool) -> None:
    if churn_only:
        with tempfile.TemporaryDirectory() as directory:
            await _churn(directory, seeds)
        return
    print(
        "| source | history | seed | weeks of tenure | people | hours/day | T0 s | T_inf s | plateau | tau weeks "
        "| review share | checks passed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        for truth in CASES:
            for seed in seeds:
                database = await _fresh(directory, f"{truth.name[0]}-{seed}.sqlite3")
                try:
                    print(_row(await recover_simulated(database, truth, seed)), flush=True)
                finally:
                    await database.dispose()
        for seed in demo_seeds:
            for key in DEMO_PROJECTS:
                database = await _fresh(directory, f"demo-{seed}-{key}.sqlite3")
                try:
                    print(_row(await recover_demo(database, seed, key)), flush=True)
                finally:
                    await database.dispose()
        await _churn(directory, seeds)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--demo-seeds", type=int, nargs="+", default=[7, 11])
    parser.add_argument("--churn-only", action="store_true", help="only the histories with attrition and rework")
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.seeds, arguments.demo_seeds, arguments.churn_only))
