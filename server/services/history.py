"""A project's recorded history for calibration and backtests: SQL that reads it, arrays that carry it.

The queries select plain columns (no ORM objects, no dialect-specific functions) so they run alike on SQLite and
PostgreSQL; day bucketing and tenure arithmetic happen in numpy. :func:`calibrated_scenario` fits a scenario to a
project's whole history; :mod:`server.services.backtest` replays it against forecasts.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelerStage, PricingModel, ReviewVerdict, VendorStatus
from server.db.models import Label, Labeler, LabelerStageEvent, Project, ProjectMembership, Review, Task, Vendor
from server.db.session import Database
from server.services.analytics.delivery import milestone_targets
from server.services.errors import NotFound, Path, ValidationFailed
from server.services.plan_demand import PlannedTarget, plan_weekly_volumes
from server.services.simulation_pool import SimulationPool, WorkerDied
from simulator.latency import FlowHistory, LatencyFit, fit_latency, scenario_waits, team_since
from simulator.planning.calibrate import (
    Calibration,
    CalibrationFit,
    HistoryData,
    PersonHistory,
    PoolHistory,
    calibrate,
)
from simulator.scenario import MAX_HORIZON_DAYS

__all__ = [
    "ProjectRecords",
    "calibrated_scenario",
    "history_until",
    "load_flow",
    "load_records",
    "pool_for",
    "recorded_waits",
]

_DAY = 86400.0
_RECENT_DAYS = 14
_TRAINING = (LabelerStage.PLATFORM_TRAINING, LabelerStage.PROJECT_TRAINING, LabelerStage.TESTING)
# Vendors that can give no more work: fitted and reported, but no pool of the scenario.
_INACTIVE_VENDORS = (VendorStatus.OFFBOARDED, VendorStatus.PROSPECT)


@dataclass(frozen=True)
class ProjectRecords:
    """The raw columns of one project's history; times are float days since ``start`` (midnight UTC)."""

    project: dict[str, Any]
    start: datetime
    days: int
    task_created: np.ndarray
    task_completed: np.ndarray  # nan when not completed
    task_required: np.ndarray
    task_benchmark: np.ndarray
    label_labeler: np.ndarray
    label_started: np.ndarray
    label_seconds: np.ndarray
    label_rework_seconds: np.ndarray
    label_rework_count: np.ndarray
    review_label: np.ndarray
    review_reviewer: np.ndarray
    review_at: np.ndarray
    review_down: np.ndarray
    review_seconds: np.ndarray
    labelers: dict[int, dict[str, Any]]  # id -> vendor name, pricing, rate, hourly rate, vendor status
    events: dict[int, list[tuple[float, LabelerStage]]]  # labeler id -> (day, stage) in order


def _days(values: list[datetime | None], start: datetime) -> np.ndarray:
    return np.array([math.nan if v is None else (v - start).total_seconds() / _DAY for v in values], dtype=float)


@dataclass(frozen=True)
class _Rows:
    """A project's rows as read: its tasks, labels, reviews, the people behind them, their stage events."""

    info: dict[str, Any]
    tasks: list[Any]
    labels: list[Any]
    reviews: list[Any]
    people: list[Any]
    events: list[Any]


async def _work_rows(session: AsyncSession, project_id: int) -> tuple[list[Any], list[Any], list[Any]]:
    """The project's tasks, its labels (by id) and their reviews."""
    tasks = (
        await session.execute(
            select(Task.created_at, Task.completed_at, Task.labels_required, Task.is_benchmark).where(
                Task.project_id == project_id
            )
        )
    ).all()
    labels = (
        await session.execute(
            select(
                Label.id,
                Label.labeler_id,
                Label.started_at,
                Label.seconds_to_label,
                Label.rework_seconds,
                Label.rework_count,
            )
            .join(Task, Task.id == Label.task_id)
            .where(Task.project_id == project_id)
            .order_by(Label.id)
        )
    ).all()
    reviews = (
        await session.execute(
            select(Review.label_id, Review.reviewer_id, Review.created_at, Review.verdict, Review.seconds_to_review)
            .join(Label, Label.id == Review.label_id)
            .join(Task, Task.id == Label.task_id)
            .where(Task.project_id == project_id)
        )
    ).all()
    return list(tasks), list(labels), list(reviews)


async def _people_rows(
    session: AsyncSession, project_id: int, labels: list[Any], reviews: list[Any]
) -> tuple[list[Any], list[Any]]:
    """The project's members and everyone who labeled or reviewed in it, with their vendors; their stage events."""
    member_ids = set(
        (
            await session.execute(
                select(ProjectMembership.labeler_id).where(ProjectMembership.project_id == project_id)
            )
        ).scalars()
    )
    people_ids = sorted(member_ids | {row[1] for row in labels} | {row[1] for row in reviews})
    people = (
        await session.execute(
            select(Labeler.id, Labeler.hourly_rate, Vendor.name, Vendor.pricing_model, Vendor.rate, Vendor.status)
            .join(Vendor, Vendor.id == Labeler.vendor_id)
            .where(Labeler.id.in_(people_ids))
        )
    ).all()
    events = (
        await session.execute(
            select(LabelerStageEvent.labeler_id, LabelerStageEvent.entered_at, LabelerStageEvent.stage)
            .where(LabelerStageEvent.labeler_id.in_(people_ids))
            .order_by(LabelerStageEvent.labeler_id, LabelerStageEvent.entered_at, LabelerStageEvent.id)
        )
    ).all()
    return list(people), list(events)


async def _read_rows(database: Database, project_id: int, field: Path) -> _Rows:
    async with database.session() as session:
        project = await session.get(Project, project_id)
        if project is None:
            raise NotFound("Project", project_id, path=field)
        info = {
            "name": project.name,
            "sla_turnaround_hours": project.sla_turnaround_hours,
            "sla_target_share": project.sla_target_share,
        }
        tasks, labels, reviews = await _work_rows(session, project_id)
        if not tasks:
            raise ValidationFailed(field, project_id, "must be a project with recorded tasks")
        people, events = await _people_rows(session, project_id, labels, reviews)
    return _Rows(info, tasks, labels, reviews, people, events)


def _records_of(rows: _Rows) -> ProjectRecords:
    """The rows as arrays of days since midnight of the first task's day."""
    tasks, labels, reviews = rows.tasks, rows.labels, rows.reviews
    first = min(row[0] for row in tasks)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    latest = max(
        [row[0] for row in tasks] + [row[1] for row in tasks if row[1] is not None] + [row[2] for row in labels]
    )
    days = max(1, math.ceil((latest - start).total_seconds() / _DAY))
    stage_events: dict[int, list[tuple[float, LabelerStage]]] = defaultdict(list)
    for labeler_id, entered_at, stage in rows.events:
        stage_events[labeler_id].append(((entered_at - start).total_seconds() / _DAY, stage))
    label_index = {row[0]: i for i, row in enumerate(labels)}
    return ProjectRecords(
        project=rows.info,
        start=start,
        days=days,
        task_created=_days([r[0] for r in tasks], start),
        task_completed=_days([r[1] for r in tasks], start),
        task_required=np.array([r[2] for r in tasks], dtype=float),
        task_benchmark=np.array([bool(r[3]) for r in tasks]),
        label_labeler=np.array([r[1] for r in labels], dtype=np.int64),
        label_started=_days([r[2] for r in labels], start),
        label_seconds=np.array([r[3] for r in labels], dtype=float),
        label_rework_seconds=np.array([r[4] for r in labels], dtype=float),
        label_rework_count=np.array([r[5] for r in labels], dtype=float),
        review_label=np.array([label_index.get(r[0], -1) for r in reviews], dtype=np.int64),
        review_reviewer=np.array([r[1] for r in reviews], dtype=np.int64),
        review_at=_days([r[2] for r in reviews], start),
        review_down=np.array([r[3] == ReviewVerdict.THUMBS_DOWN for r in reviews], dtype=bool),
        review_seconds=np.array([r[4] for r in reviews], dtype=float),
        labelers={
            r[0]: {"hourly_rate": r[1], "vendor": r[2], "pricing": r[3], "rate": r[4], "status": r[5]}
            for r in rows.people
        },
        events=dict(stage_events),
    )


async def load_records(database: Database, project_id: int, *, field: Path = ("project_id",)) -> ProjectRecords:
    """Read a project's tasks, labels, reviews, labelers and their stage histories."""
    return _records_of(await _read_rows(database, project_id, field))


def _stage_at(events: list[tuple[float, LabelerStage]], day: float) -> LabelerStage | None:
    current = None
    for when, stage in events:
        if when > day:
            break
        current = stage
    return current


def _first(events: list[tuple[float, LabelerStage]], stage: LabelerStage, until: float) -> float:
    for when, s in events:
        if s is stage and when <= until:
            return when
    return math.nan


@dataclass
class _PipelineDurations:
    """Days each stage of the pipeline took (one entry per passage through it), and the test's outcomes."""

    hire: list[float] = dataclasses.field(default_factory=list)
    platform: list[float] = dataclasses.field(default_factory=list)
    project: list[float] = dataclasses.field(default_factory=list)
    passed: int = 0
    taken: int = 0

    def add(self, events: list[tuple[float, LabelerStage]]) -> None:
        for (when, stage), (next_when, next_stage) in itertools.pairwise(events):
            if stage is LabelerStage.HIRING:
                self.hire.append(next_when - when)
            elif stage is LabelerStage.PLATFORM_TRAINING:
                self.platform.append(next_when - when)
            elif stage is LabelerStage.PROJECT_TRAINING:
                self.project.append(next_when - when)
            elif stage is LabelerStage.TESTING:
                self.taken += 1
                self.passed += next_stage is LabelerStage.PRODUCTION


def _vendor_quality(records: ProjectRecords, reviewed: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
    """Each vendor's reviewed labels and the thumbs-down among them, over the reviews in ``reviewed``."""
    reviewed_of: dict[str, int] = defaultdict(int)
    rejected_of: dict[str, int] = defaultdict(int)
    review_labels = records.review_label[reviewed]
    known = review_labels >= 0
    authors = records.label_labeler[review_labels[known]]
    for author, down in zip(authors, records.review_down[reviewed][known], strict=True):
        vendor_name = str(records.labelers[int(author)]["vendor"])
        reviewed_of[vendor_name] += 1
        rejected_of[vendor_name] += bool(down)
    return reviewed_of, rejected_of


def _vendor_history(
    records: ProjectRecords,
    vendor: str,
    ids: list[int],
    production_start: dict[int, float],
    end: float,
    quality: tuple[dict[str, int], dict[str, int]],
) -> tuple[PoolHistory, list[PersonHistory]]:
    """One vendor at day ``end``: its counts by stage, pipeline durations, exposure, pay, and its people."""
    counts = {"production": 0, "training": 0, "hiring": 0}
    durations = _PipelineDurations()
    exposure: list[float] = []
    departed: list[bool] = []
    tenures: list[float] = []
    people: list[PersonHistory] = []
    for lid in ids:
        events = [e for e in records.events.get(lid, []) if e[0] <= end]
        stage = _stage_at(events, end)
        people.append(_person(lid, vendor, records.labelers[lid], events, stage, production_start[lid], end))
        if stage is LabelerStage.PRODUCTION:
            counts["production"] += 1
            tenures.append((end - production_start[lid]) / 7.0)
        elif stage in _TRAINING:
            counts["training"] += 1
        elif stage is LabelerStage.HIRING:
            counts["hiring"] += 1
        durations.add(events)
        began = production_start[lid]
        if math.isfinite(began):
            left = _first(events, LabelerStage.OFFBOARDED, end)
            stop = left if math.isfinite(left) and left >= began else end
            exposure.append(max(stop - began, 0.0) / 7.0)
            departed.append(math.isfinite(left) and left >= began)
    sample = records.labelers[ids[0]]
    hourly = [float(records.labelers[i]["hourly_rate"] or 0.0) for i in ids]
    per_label = sample["pricing"] == PricingModel.PER_LABEL
    status = sample.get("status")
    reviewed_of, rejected_of = quality
    pool = PoolHistory(
        name=vendor,
        production=counts["production"],
        training=counts["training"],
        hiring=counts["hiring"],
        hourly_rate=None if per_label else (float(np.mean(hourly)) or float(sample["rate"])),
        price_per_label=float(sample["rate"]) if per_label else None,
        mean_tenure_weeks=float(np.mean(tenures)) if tenures else 0.0,
        hire_days=durations.hire,
        platform_training_days=durations.platform,
        project_training_days=durations.project,
        tests_passed=durations.passed,
        tests_taken=durations.taken,
        exposure_weeks=exposure,
        departed=departed,
        active=status not in _INACTIVE_VENDORS,
        reviews=reviewed_of.get(vendor, 0),
        thumbs_down=rejected_of.get(vendor, 0),
        status="" if status is None else str(status),
    )
    return pool, people


def history_until(records: ProjectRecords, until_day: int) -> HistoryData:
    """The records as calibration arrays, seeing only what had happened by day ``until_day``."""
    end = float(until_day)
    production_start = {
        lid: _first(records.events.get(lid, []), LabelerStage.PRODUCTION, end) for lid in records.labelers
    }
    seen = records.label_started < end
    labeler = records.label_labeler[seen]
    started = records.label_started[seen]
    tenure = np.array(
        [(s - production_start.get(int(lid), math.nan)) / 7.0 for lid, s in zip(labeler, started, strict=True)]
    )
    created = records.task_created[records.task_created < end]
    arrivals = np.bincount(np.floor(created).astype(np.int64), minlength=until_day)[:until_day].astype(float)
    reviewed_mask = records.review_at < end
    review_labels = records.review_label[reviewed_mask]
    quality = _vendor_quality(records, reviewed_mask)
    by_vendor: dict[str, list[int]] = defaultdict(list)
    for lid, person in records.labelers.items():
        by_vendor[str(person["vendor"])].append(lid)
    pools = []
    people: list[PersonHistory] = []
    for vendor, ids in sorted(by_vendor.items()):
        pool, members = _vendor_history(records, vendor, ids, production_start, end, quality)
        pools.append(pool)
        people.extend(members)
    tasks_seen = records.task_created < end
    required = records.task_required[tasks_seen]
    consensus = required > 1
    return HistoryData(
        name=str(records.project["name"]),
        first_weekday=records.start.weekday(),
        days=until_day,
        daily_arrivals=arrivals,
        label_seconds=records.label_seconds[seen],
        label_tenure_weeks=tenure,
        label_labeler=labeler,
        label_hour_of_day=np.mod(started, 1.0) * 24.0,
        label_day=started,
        rework_seconds=records.label_rework_seconds[seen],
        rework_count=records.label_rework_count[seen],
        reviewed_labels=int(np.unique(review_labels[review_labels >= 0]).size),
        reviews=int(reviewed_mask.sum()),
        thumbs_down=int(records.review_down[reviewed_mask].sum()),
        review_seconds=records.review_seconds[reviewed_mask],
        reviewers=int(np.unique(records.review_reviewer[reviewed_mask]).size),
        labels_per_task=float(required[consensus].mean()) if consensus.any() else 1.0,
        consensus_coverage=float(consensus.mean()) if required.size else 0.0,
        benchmark_share=float(records.task_benchmark[tasks_seen].mean()) if required.size else 0.0,
        sla_turnaround_hours=float(records.project["sla_turnaround_hours"]),
        sla_target_share=float(records.project["sla_target_share"]),
        pools=pools,
        # People's working time is read over the recent window: long enough to cover both weekends, short enough
        # to be current.
        recent_days=min(_RECENT_DAYS, until_day),
        people=tuple(people),
        # Reviews are recorded when given: they started their seconds earlier.
        review_day=records.review_at[reviewed_mask] - records.review_seconds[reviewed_mask] / _DAY,
        review_reviewer=records.review_reviewer[reviewed_mask],
    )


def _person(
    lid: int,
    vendor: str,
    info: dict[str, Any],
    events: list[tuple[float, LabelerStage]],
    stage: LabelerStage | None,
    production_start: float,
    end: float,
) -> PersonHistory:
    """One person at day ``end``: stage, days in it, tenure from the PRODUCTION event, and hourly pay (their own
    rate, else their vendor's when it bills by the hour; none for per-label vendors)."""
    kind = {LabelerStage.PRODUCTION: "production", LabelerStage.HIRING: "hiring", LabelerStage.OFFBOARDED: "gone"}
    name = "training" if stage in _TRAINING else kind.get(stage, "gone") if stage is not None else "gone"
    if stage in _TRAINING:
        # Training counts as one stage (platform, project, test): from the first of them since the last hiring.
        hired = max((when for when, s in events if s is LabelerStage.HIRING), default=-math.inf)
        entered = min((when for when, s in events if s in _TRAINING and when >= hired), default=end)
    else:
        entered = max((when for when, s in events if s is stage), default=end)
    rate: float | None = None
    if info["pricing"] != PricingModel.PER_LABEL:
        rate = float(info["hourly_rate"] or 0.0) or float(info["rate"] or 0.0)
    return PersonHistory(
        id=lid,
        pool=vendor,
        stage=name,
        days_in_stage=max(end - entered, 0.0),
        tenure_weeks=(end - production_start) / 7.0 if stage is LabelerStage.PRODUCTION else math.nan,
        hourly_rate=rate,
    )


@dataclass(frozen=True)
class CalibratedProject:
    scenario: Any
    fitted: CalibrationFit
    weeks_of_history: float
    calibration: Calibration


async def load_flow(database: Database, project_id: int, start: datetime) -> FlowHistory:
    """A project's tasks, labels and reviews as float days since ``start``, labels and reviews by position."""
    async with database.session() as session:
        tasks = (
            await session.execute(
                select(Task.id, Task.created_at, Task.completed_at, Task.labels_required)
                .where(Task.project_id == project_id)
                .order_by(Task.id)
            )
        ).all()
        labels = (
            await session.execute(
                select(Label.id, Label.task_id, Label.submitted_at)
                .join(Task, Task.id == Label.task_id)
                .where(Task.project_id == project_id)
                .order_by(Label.id)
            )
        ).all()
        reviews = (
            await session.execute(
                select(Review.label_id, Review.created_at, Review.verdict)
                .join(Label, Label.id == Review.label_id)
                .join(Task, Task.id == Label.task_id)
                .where(Task.project_id == project_id)
                .order_by(Review.created_at, Review.id)
            )
        ).all()

    def days(values: list[datetime | None]) -> np.ndarray:
        return np.array([np.nan if v is None else (v - start).total_seconds() / _DAY for v in values], dtype=float)

    task_index = {row[0]: i for i, row in enumerate(tasks)}
    label_index = {row[0]: i for i, row in enumerate(labels)}
    return FlowHistory(
        task_created=days([r[1] for r in tasks]),
        task_completed=days([r[2] for r in tasks]),
        task_required=np.array([r[3] for r in tasks], dtype=np.int64),
        label_task=np.array([task_index[r[1]] for r in labels], dtype=np.int64),
        label_submitted=days([r[2] for r in labels]),
        review_label=np.array([label_index[r[0]] for r in reviews], dtype=np.int64),
        review_at=days([r[1] for r in reviews]),
        review_down=np.array([r[2] == ReviewVerdict.THUMBS_DOWN for r in reviews], dtype=bool),
    )


async def calibrated_scenario(
    database: Database,
    project_id: int,
    *,
    horizon_days: int = 28,
    field: Path = ("project_id",),
    demand_from_plan: bool = False,
    demand_field: Path = ("demand_from",),
) -> CalibratedProject:
    """A scenario fitted to the whole recorded history of a project, starting where the history ends; with
    ``demand_from_plan`` its demand is the pace the delivery plan's milestones ask for (see
    :mod:`server.services.plan_demand`), over a horizon reaching the last milestone."""
    records = await load_records(database, project_id, field=field)
    flow = await load_flow(database, project_id, records.start)
    day0 = records.start + timedelta(days=records.days)
    volumes: list[float] = []
    if demand_from_plan:
        volumes = await _plan_volumes(database, project_id, day0, demand_field)
        horizon_days = max(horizon_days, 7 * len(volumes))
    try:
        # Fitting is CPU-bound like a simulation: a worker the request timeout can kill, not a thread.
        calibration = await pool_for(database).run(
            functools.partial(_calibrate_with_waits, records, flow, horizon_days=horizon_days)
        )
    except WorkerDied:
        raise
    except (ValueError, RuntimeError) as error:
        raise ValidationFailed(field, project_id, f"has too little history to calibrate ({error})") from None
    if volumes:
        scenario = calibration.scenario
        params = {**scenario.demand.params, "weekly_volumes": volumes, "start_date": day0.date().isoformat()}
        calibration = replace(calibration, scenario=replace(scenario, demand=replace(scenario.demand, params=params)))
        if not any(volumes):
            fitted = calibration.fitted
            warning = "delivery plan: every milestone ahead is already reached, so the plan asks for no more tasks"
            calibration = replace(calibration, fitted=replace(fitted, warnings=(*fitted.warnings, warning)))
    return CalibratedProject(calibration.scenario, calibration.fitted, records.days / 7.0, calibration)


async def _plan_volumes(database: Database, project_id: int, day0: datetime, field: Path) -> list[float]:
    async with database.session() as session:
        targets, done = await milestone_targets(session, project_id, day0)
    volumes = plan_weekly_volumes([PlannedTarget(due, target) for due, target in targets], done, day0)
    if not volumes:
        raise ValidationFailed(
            field,
            "DELIVERY_PLAN",
            f"needs a delivery plan with a milestone after {day0.isoformat()}, where history ends",
        )
    if 7 * len(volumes) > MAX_HORIZON_DAYS:
        # Otherwise the scenario's horizon is refused inside the fit, and reads as too little history.
        raise ValidationFailed(
            field,
            "DELIVERY_PLAN",
            f"needs the delivery plan's last milestone within {MAX_HORIZON_DAYS:,} days of {day0.isoformat()}, "
            f"where history ends (the scenario's longest horizon); it is {len(volumes)} weeks after",
        )
    return volumes


def recorded_waits(records: ProjectRecords, flow: FlowHistory, cut: float) -> LatencyFit:
    """The waits seen in the records before ``cut``, those for labels of the team at the cut only: not of the
    smaller one a growing project started with (:func:`simulator.latency.team_since`)."""
    since = team_since(records.label_labeler, records.label_started, cut)
    return fit_latency(flow, cut, labeling_since=since)


def _calibrate_with_waits(records: ProjectRecords, flow: FlowHistory, *, horizon_days: int) -> Calibration:
    """Calibrate on the whole history, and give the scenario the waits the records show (pickup, review,
    rework): planning answers then carry the same review and rework tail as the backtests' forecasts, labeling
    waits included, taken from the weeks since the team reached its present size."""
    calibration = calibrate(history_until(records, records.days), horizon_days=horizon_days)
    waits = scenario_waits(recorded_waits(records, flow, float(records.days)))
    return replace(calibration, scenario=replace(calibration.scenario, waits=waits))


def pool_for(database: Database) -> SimulationPool:
    """The server's simulation pool: CPU-bound work runs in a worker killed when its request is cut short."""
    from server.services.jobs import runner_for

    return runner_for(database).pool
