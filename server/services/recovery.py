"""Calibration checked against known truth (identifiability): a history from :mod:`server.services.known_truth`
written into a database, calibrated from as the API does, and the truth set beside what was fitted
(:class:`Recovery`); and the same histories backtested."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.db.enums import LabelerStage, VendorStatus
from server.db.models import Project as ProjectRow
from server.db.session import Database
from server.services.backtest import BacktestData, backtest_records, load_flow
from server.services.demo.catalog import PROJECTS, VENDORS
from server.services.demo.generate import CURVE_FLOOR, CURVE_TAU_WEEKS, DemoRows, generate
from server.services.demo.seed import write_rows
from server.services.history import calibrated_scenario, load_records
from server.services.known_truth import HISTORY_START, KnownTruth, simulated_history
from simulator.planning.calibrate import Estimate

__all__ = ["Recovery", "backtest_demo_history", "backtest_simulated", "recover_demo", "recover_simulated"]


@dataclass(frozen=True)
class Recovery:
    """The truth beside what calibration fitted; None where the source has no such truth."""

    source: str
    case: str
    seed: int
    weeks_of_tenure: float
    people_true: dict[str, int]
    people_fitted: dict[str, int]
    hours_true: float | None
    hours_fitted: float | None
    t0_true: float | None
    t0_fitted: float
    t_inf_true: float | None
    t_inf_fitted: float
    plateau_true: float
    plateau_fitted: float
    tau_true: float
    tau_fitted: float
    tau_status: str
    review_share_true: float | None = None
    review_share_fitted: float | None = None
    rework_true: float | None = None
    rework_fitted: float | None = None
    #: Weekly probability of leaving: the truth, and the fit with its 95% interval.
    attrition_true: float | None = None
    attrition_fitted: Estimate | None = None

    @staticmethod
    def error(true: float | None, fitted: float | None) -> float | None:
        """Relative error of a fitted figure (None without a truth)."""
        if true is None or fitted is None or true == 0:
            return None
        return abs(fitted - true) / abs(true)

    def checks(self) -> dict[str, bool]:
        """The identifiability criteria: headcount exact, hours, speeds, review share and rework rate within 10%,
        tau within 25% where at least six weeks of tenure were seen, attrition within its 95% interval (each
        where the source knows the truth)."""
        result = {"headcount": self.people_true == self.people_fitted}
        for name, true, fitted in (
            ("hours", self.hours_true, self.hours_fitted),
            ("t0", self.t0_true, self.t0_fitted),
            ("t_inf", self.t_inf_true, self.t_inf_fitted),
            ("plateau", self.plateau_true, self.plateau_fitted),
            ("review_share", self.review_share_true, self.review_share_fitted),
            ("rework_rate", self.rework_true, self.rework_fitted),
        ):
            err = self.error(true, fitted)
            if err is not None:
                result[name] = err <= 0.10
        if self.attrition_true is not None and self.attrition_fitted is not None:
            # Departures are few (a handful in a history): the truth must lie in the fit's 95% interval.
            fit = self.attrition_fitted
            result["attrition"] = fit.low <= self.attrition_true <= fit.high
        if self.weeks_of_tenure >= 6.0:
            err = self.error(self.tau_true, self.tau_fitted)
            result["tau"] = err is not None and err <= 0.25
        return result


async def _project_id(database: Database, name: str) -> int:
    async with database.session() as session:
        return int((await session.execute(select(ProjectRow.id).where(ProjectRow.name == name))).scalar_one())


async def recover_simulated(database: Database, truth: KnownTruth, seed: int) -> Recovery:
    """Simulate ``truth``, write it to ``database`` (which must not hold it yet), calibrate, compare."""
    rows = simulated_history(truth, seed)
    # Counted before writing: writing maps the rows' local indexes to database ids.
    staying = sum(row["vendor_id"] == 0 and row["stage"] is LabelerStage.PRODUCTION for row in rows.labelers)
    await write_rows(database, rows)
    calibration = await calibrated_scenario(database, await _project_id(database, truth.name))
    fitted = calibration.fitted
    pool = fitted.pool("Truth Labeling")
    learning = fitted.learning
    reviewed = truth.review_share > 0
    return Recovery(
        source="simulator",
        case=truth.name,
        seed=seed,
        weeks_of_tenure=learning.weeks_of_data,
        people_true={"Truth Labeling": staying},
        people_fitted={p.vendor: p.production for p in fitted.pools if p.active},
        hours_true=truth.hours_per_day,
        hours_fitted=pool.hours_per_working_day.value,
        t0_true=truth.t0_seconds,
        t0_fitted=learning.t0_seconds.value,
        t_inf_true=truth.t_inf_seconds,
        t_inf_fitted=learning.t_inf_seconds.value,
        plateau_true=truth.plateau_share,
        plateau_fitted=learning.plateau_share.value,
        tau_true=truth.tau_weeks,
        tau_fitted=learning.tau_weeks.value,
        tau_status=learning.status,
        review_share_true=truth.review_share if reviewed else None,
        review_share_fitted=fitted.review.share_reviewed.value if reviewed else None,
        rework_true=truth.rework_rate if reviewed else None,
        rework_fitted=fitted.review.rework_rate.value if reviewed else None,
        attrition_true=-math.expm1(-truth.attrition_per_week) if truth.attrition_per_week > 0 else None,
        attrition_fitted=pool.attrition_per_week if truth.attrition_per_week > 0 else None,
    )


def _demo_people(rows: DemoRows, project_key: str) -> dict[str, int]:
    """People in production at the anchor on the project, by active labeling vendor: the generator's truth."""
    project = next(i for i, spec in enumerate(PROJECTS) if spec.key == project_key)
    members = {m["labeler_id"] for m in rows.memberships if m["project_id"] == project}
    last_stage: dict[int, Any] = {}
    for event in sorted(rows.stage_events, key=lambda e: e["entered_at"]):
        last_stage[event["labeler_id"]] = event["stage"]
    people: dict[str, int] = {}
    for index in sorted(members):
        vendor = VENDORS[rows.labelers[index]["vendor_id"]]
        if vendor.reviewers or vendor.status in (VendorStatus.OFFBOARDED, VendorStatus.PROSPECT):
            continue
        people.setdefault(vendor.name, 0)
        people[vendor.name] += last_stage.get(index) is LabelerStage.PRODUCTION
    return people


async def recover_demo(
    database: Database, seed: int, project_key: str, *, anchor: datetime = HISTORY_START, scale: float = 1.0
) -> Recovery:
    """Generate the demo workspace for ``seed``, write it to ``database`` (empty), calibrate ``project_key``, and
    compare with the generator's truth: its people, learning curve (floor and tau) and review share."""
    rows = generate(seed, anchor, scale)
    spec = next(p for p in PROJECTS if p.key == project_key)
    project = next(i for i, p in enumerate(PROJECTS) if p.key == project_key)
    task_benchmark = [t["is_benchmark"] for t in rows.tasks]
    task_project = [t["project_id"] for t in rows.tasks]
    on_project = [label for label in rows.labels if task_project[label["task_id"]] == project]
    # Only labels of non-benchmark tasks are drawn for review.
    open_share = sum(not task_benchmark[label["task_id"]] for label in on_project) / max(len(on_project), 1)
    people = _demo_people(rows, project_key)
    await write_rows(database, rows)
    calibration = await calibrated_scenario(database, await _project_id(database, spec.name))
    fitted = calibration.fitted
    learning = fitted.learning
    return Recovery(
        source="demo generator",
        case=spec.name,
        seed=seed,
        weeks_of_tenure=learning.weeks_of_data,
        people_true=people,
        people_fitted={p.vendor: p.production for p in fitted.pools if p.active},
        hours_true=None,
        hours_fitted=None,
        t0_true=None,
        t0_fitted=learning.t0_seconds.value,
        t_inf_true=None,
        t_inf_fitted=learning.t_inf_seconds.value,
        plateau_true=CURVE_FLOOR,
        plateau_fitted=learning.plateau_share.value,
        tau_true=CURVE_TAU_WEEKS,
        tau_fitted=learning.tau_weeks.value,
        tau_status=learning.status,
        review_share_true=spec.review_share * open_share,
        review_share_fitted=fitted.review.share_reviewed.value,
    )


async def _backtest(
    database: Database, name: str, horizon_weeks: int, replications: int, seed: int, *, replay: bool = False
) -> BacktestData:
    project_id = await _project_id(database, name)
    records = await load_records(database, project_id)
    flow = await load_flow(database, project_id, records.start)
    train_weeks = records.days // 7 - horizon_weeks
    return backtest_records(
        records,
        flow,
        train_weeks=train_weeks,
        horizon_weeks=horizon_weeks,
        replications=replications,
        seed=seed,
        replay=replay,
    )


async def backtest_simulated(
    database: Database,
    truth: KnownTruth,
    seed: int,
    *,
    horizon_weeks: int,
    replications: int = 16,
    replay: bool = False,
) -> BacktestData:
    """Simulate ``truth``, write it to ``database`` (which must not hold it yet), and backtest its last
    ``horizon_weeks`` from a calibration on the weeks before."""
    await write_rows(database, simulated_history(truth, seed))
    return await _backtest(database, truth.name, horizon_weeks, replications, seed, replay=replay)


async def backtest_demo_history(
    database: Database,
    seed: int,
    project_key: str,
    *,
    horizon_weeks: int = 4,
    replications: int = 16,
    replay: bool = False,
) -> BacktestData:
    """Generate the demo workspace for ``seed`` into ``database`` (empty) and backtest ``project_key``."""
    await write_rows(database, generate(seed, HISTORY_START, 1.0))
    spec = next(p for p in PROJECTS if p.key == project_key)
    return await _backtest(database, spec.name, horizon_weeks, replications, 0, replay=replay)
