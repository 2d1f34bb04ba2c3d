"""Platform histories generated from known truth, to check that calibration recovers it (identifiability).

Two sources: the simulator itself, and the demo generator (:mod:`server.services.demo.generate`, whose people,
stage histories, learning curve and review share are known). :func:`recover_simulated` and :func:`recover_demo`
(in :mod:`server.services.recovery`) write a history into a database, calibrate from it as the API does, and
set the truth beside what was fitted.

:func:`simulated_history` runs the simulator on a scenario whose workforce is the truth (people, hours per
working day, learning curve, time per label) and writes what happened as platform records: a vendor, its
labelers with their PRODUCTION stage events, a project, tasks and labels (:class:`~server.services.demo.generate.
DemoRows`, written by :func:`server.services.demo.seed.write_rows`). Demand runs ahead of the workforce, so people label
through their whole shifts, as the hours they work can only be read from records when they are kept busy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from server.db.enums import (
    LabelerStage,
    LabelStatus,
    PricingModel,
    ReviewVerdict,
    TaskStatus,
    VendorStatus,
    WorkforceType,
)
from server.services.demo.generate import DemoRows
from simulator.engine import run_replication
from simulator.scenario import (
    Calendar,
    Demand,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Scenario,
    ServiceTime,
)

__all__ = [
    "CASES",
    "CHURN_CASES",
    "DEMO_PROJECTS",
    "HISTORY_START",
    "KnownTruth",
    "simulated_history",
    "truth_scenario",
]

# A Monday: the simulator's day 0 is a Monday at midnight on the reference clock.
HISTORY_START = datetime(2026, 1, 5, tzinfo=UTC)
# Demand over capacity: nobody waits for work.
_OVERLOAD = 1.3
_WEEK_HOURS = 168.0
#: Reviews a label gets at most (the last accepts it), as the platform's workflow escalates.
_MAX_REVIEWS = 5


@dataclass(frozen=True)
class KnownTruth:
    """The workforce behind a generated history."""

    name: str
    people: int
    hours_per_day: float
    t0_seconds: float
    plateau_share: float
    tau_weeks: float
    weeks: int
    service_cv: float = 0.3
    start_hour: float = 9.0
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    #: The people's tenures at the start, spread evenly from 0 to this many weeks.
    max_tenure_weeks: float = 3.0
    hourly_rate: float = 15.0
    #: Weekly hazard of leaving, from the PRODUCTION stage on; a leaver's work after leaving is left undone.
    attrition_per_week: float = 0.0
    #: Share of labels reviewed, and the chance of a thumbs-down at each review (a reworked label is reviewed
    #: again, as the simulator's quality model has it).
    review_share: float = 0.0
    rework_rate: float = 0.0

    def tenures(self) -> tuple[float, ...]:
        return tuple(float(t) for t in np.linspace(0.0, self.max_tenure_weeks, self.people))

    @property
    def t_inf_seconds(self) -> float:
        return self.t0_seconds * self.plateau_share


#: The histories of the identifiability table (``benchmarks/identifiability.py``) and of the backtest on them.
CASES = (
    KnownTruth("A: 6 people, 6 h, Mon-Fri", people=6, hours_per_day=6.0, t0_seconds=240.0, plateau_share=0.7,
               tau_weeks=1.5, weeks=6),
    KnownTruth("B: 10 people, 4 h, Mon-Fri", people=10, hours_per_day=4.0, t0_seconds=180.0, plateau_share=0.6,
               tau_weeks=2.0, weeks=8),
    KnownTruth("C: 4 people, 8 h, Mon-Sat", people=4, hours_per_day=8.0, t0_seconds=300.0, plateau_share=0.8,
               tau_weeks=1.0, weeks=6, working_days=(0, 1, 2, 3, 4, 5), max_tenure_weeks=1.0),
    KnownTruth("D: 12 people, 7.5 h, from 06:00", people=12, hours_per_day=7.5, t0_seconds=420.0,
               plateau_share=0.65, tau_weeks=2.5, weeks=9, start_hour=6.0, max_tenure_weeks=5.0),
)  # fmt: skip
#: Histories where people leave and labels are reviewed and reworked (attrition and rework rate recovered).
CHURN_CASES = (
    KnownTruth("E: 8 people, 6 h, 6%/week leave, 30% reviewed, 12% reworked", people=8, hours_per_day=6.0,
               t0_seconds=240.0, plateau_share=0.7, tau_weeks=1.5, weeks=8, attrition_per_week=0.06,
               review_share=0.3, rework_rate=0.12),
    KnownTruth("F: 12 people, 5 h, 10%/week leave, 60% reviewed, 25% reworked", people=12, hours_per_day=5.0,
               t0_seconds=180.0, plateau_share=0.6, tau_weeks=2.0, weeks=8, attrition_per_week=0.10,
               review_share=0.6, rework_rate=0.25),
)  # fmt: skip
#: The demo generator's projects with a labeling history.
DEMO_PROJECTS = ("driving", "support")


def truth_scenario(truth: KnownTruth) -> Scenario:
    """The scenario that generates ``truth``'s history."""
    plateau_rate = truth.people * truth.hours_per_day * 3600.0 / truth.t_inf_seconds
    per_week = plateau_rate * len(truth.working_days)
    return Scenario(
        name=truth.name,
        horizon_days=7 * truth.weeks,
        calendar=Calendar(hours_per_day=8.0, start_hour=truth.start_hour, working_days=truth.working_days),
        demand=Demand(
            base_per_day=_OVERLOAD * per_week / 7.0,
            projects=(Project(truth.name, 1.0, truth.t0_seconds / 60.0),),
        ),
        service_time=ServiceTime("lognormal", truth.service_cv),
        workforce=(
            Pool(
                name="Truth Labeling",
                headcount=Headcount(production=truth.people),
                hourly_rate=truth.hourly_rate,
                shift_hours=truth.hours_per_day,
                attrition_per_week=0.0,
                production_tenure_weeks=truth.tenures(),
            ),
        ),
        learning=ModelSpec("exponential", {"plateau_share": truth.plateau_share, "tau_weeks": truth.tau_weeks}),
        quality=ModelSpec("constant", {"error_probability": 0.0}),
        staffing=ModelSpec("fixed"),
    )


def _leave_hours(truth: KnownTruth, rng: np.random.Generator) -> np.ndarray:
    """Each person's leaving hour (inf: stays), a constant hazard from their PRODUCTION stage event on."""
    if truth.attrition_per_week <= 0:
        return np.full(truth.people, np.inf)
    production = -np.asarray(truth.tenures()) * _WEEK_HOURS
    return production + rng.exponential(_WEEK_HOURS / truth.attrition_per_week, truth.people)


def _review_rounds(truth: KnownTruth, rng: np.random.Generator) -> tuple[bool, ...]:
    """The verdicts a label gets (True: thumbs-down), the last an acceptance; none when it is not reviewed."""
    if truth.review_share <= 0 or rng.random() >= truth.review_share:
        return ()
    rounds: list[bool] = []
    while len(rounds) < _MAX_REVIEWS - 1 and rng.random() < truth.rework_rate:
        rounds.append(True)
    return (*rounds, False)


def simulated_history(truth: KnownTruth, seed: int) -> DemoRows:
    """One simulated run of ``truth`` as platform rows (local indexes in foreign keys).

    With attrition, each person leaves at a drawn hour (an OFFBOARDED stage event) and the tasks the simulator
    gave them after it stay unlabeled; with review, a reviewer of a separate QA vendor reviews a share of the
    labels, hours after submission, turning each down with the rework rate until accepted."""
    scenario = truth_scenario(truth)
    tasks = run_replication(scenario, seed, keep_tasks=True).tasks
    assert tasks is not None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    leave = _leave_hours(truth, rng)
    end = 7.0 * truth.weeks * 24.0
    rows = DemoRows()
    rows.vendors.append(_vendor(truth))
    rows.projects.append(_project(truth))
    rows.project_vendors.append({"project_id": 0, "vendor_id": 0})
    _labelers(rows, truth, leave, end)
    reviewer = _reviewer(rows, truth) if truth.review_share > 0 else -1
    done = np.isfinite(tasks.finish_hour) & np.isfinite(tasks.start_hour) & (tasks.labeler >= 0)
    for i in range(tasks.arrival_hour.size):
        start, finish = float(tasks.start_hour[i]), float(tasks.finish_hour[i])
        finished = bool(done[i]) and start < leave[int(tasks.labeler[i])]
        reviews, accepted = _reviews(truth, rng, finish, end) if finished else ([], finish)
        status = _task_status(finished, reviews, accepted, end)
        created = _at(float(tasks.arrival_hour[i]))
        rows.tasks.append(
            {
                "project_id": 0,
                "external_id": f"truth-{i + 1:07d}",
                "payload_ref": f"s3://truth/{i + 1}",
                "priority": 0,
                "created_at": created,
                "due_at": created + timedelta(hours=48),
                "completed_at": _at(accepted) if status is TaskStatus.DONE else None,
                "status": status,
                "labels_required": 1,
                "is_benchmark": False,
                "gold_answer": None,
                "archived_at": None,
            }
        )
        if finished:
            _label_and_reviews(rows, i, int(tasks.labeler[i]), (start, finish), status, reviews, reviewer)
    return rows


def _labelers(rows: DemoRows, truth: KnownTruth, leave: np.ndarray, end: float) -> None:
    """The truth's people with their HIRING, PRODUCTION and (for those who left by `end`) OFFBOARDED events."""
    for index, tenure in enumerate(truth.tenures()):
        hired = HISTORY_START - timedelta(weeks=tenure, days=14)
        events = [(LabelerStage.HIRING, hired), (LabelerStage.PRODUCTION, HISTORY_START - timedelta(weeks=tenure))]
        if leave[index] < end:
            events.append((LabelerStage.OFFBOARDED, _at(float(leave[index]))))
        rows.labelers.append(
            {
                "vendor_id": 0,
                "name": f"Labeler {index + 1}",
                "email": f"labeler.{index + 1}@truth.example",
                "stage": events[-1][0],
                "hourly_rate": truth.hourly_rate,
                "skills": [],
                "time_zone": "UTC",
                "created_at": hired,
                "updated_at": events[-1][1],
                "archived_at": None,
            }
        )
        for stage, at in events:
            rows.stage_events.append({"labeler_id": index, "stage": stage, "entered_at": at, "note": ""})
        rows.memberships.append({"project_id": 0, "labeler_id": index, "joined_at": hired})


def _reviews(
    truth: KnownTruth, rng: np.random.Generator, submitted: float, end: float
) -> tuple[list[tuple[float, bool]], float]:
    """A finished label's reviews given by `end` as (hour, thumbs-down), each hours after the one before, and the
    hour it was accepted: its last review's, its submission's when not reviewed, past `end` when a review is due."""
    reviews: list[tuple[float, bool]] = []
    accepted = submitted
    for down in _review_rounds(truth, rng):
        accepted += float(rng.exponential(4.0)) + 0.05
        if accepted >= end:
            break
        reviews.append((accepted, down))
    return reviews, accepted


def _task_status(finished: bool, reviews: list[tuple[float, bool]], accepted: float, end: float) -> TaskStatus:
    if not finished:
        return TaskStatus.TO_LABEL
    if reviews:
        return TaskStatus.IN_REWORK if reviews[-1][1] else TaskStatus.DONE
    return TaskStatus.DONE if accepted < end else TaskStatus.IN_REVIEW


def _label_and_reviews(
    rows: DemoRows,
    task: int,
    labeler: int,
    hours: tuple[float, float],
    status: TaskStatus,
    reviews: list[tuple[float, bool]],
    reviewer: int,
) -> None:
    """The label of a finished task (started and submitted at `hours`) and its reviews; each thumbs-down is a
    rework costing 0.3 of the labeling time."""
    start, finish = hours
    seconds = round((finish - start) * 3600.0, 3)
    reworks = 0
    for reviewed_at, down in reviews:
        rows.reviews.append(
            {
                "label_id": len(rows.labels),
                "reviewer_id": reviewer,
                "verdict": ReviewVerdict.THUMBS_DOWN if down else ReviewVerdict.THUMBS_UP,
                "seconds_to_review": 20.0,
                "comment": "",
                "created_at": _at(reviewed_at),
            }
        )
        reworks += down
    rows.labels.append(
        {
            "task_id": task,
            "labeler_id": labeler,
            "answer": {"label": "done"},
            "status": {TaskStatus.DONE: LabelStatus.ACCEPTED, TaskStatus.IN_REWORK: LabelStatus.REJECTED}.get(
                status, LabelStatus.SUBMITTED
            ),
            "started_at": _at(start),
            "submitted_at": _at(finish),
            "seconds_to_label": seconds,
            "rework_seconds": round(0.3 * seconds * reworks, 3),
            "rework_count": reworks,
        }
    )


def _reviewer(rows: DemoRows, truth: KnownTruth) -> int:
    """A reviewer of a QA vendor of their own (a vendor whose people only review gives no labeling pool)."""
    vendor = dict(_vendor(truth), name="Truth QA")
    rows.vendors.append(vendor)
    index = len(rows.labelers)
    joined = HISTORY_START - timedelta(days=120)
    rows.labelers.append(
        {
            "vendor_id": len(rows.vendors) - 1,
            "name": "Reviewer",
            "email": "reviewer@truth.example",
            "stage": LabelerStage.PRODUCTION,
            "hourly_rate": 40.0,
            "skills": [],
            "time_zone": "UTC",
            "created_at": joined,
            "updated_at": joined,
            "archived_at": None,
        }
    )
    for stage in (LabelerStage.HIRING, LabelerStage.PRODUCTION):
        rows.stage_events.append({"labeler_id": index, "stage": stage, "entered_at": joined, "note": ""})
    rows.memberships.append({"project_id": 0, "labeler_id": index, "joined_at": joined})
    return index


def _at(hour: float) -> datetime:
    return HISTORY_START + timedelta(microseconds=round(hour * 3600e6))


def _vendor(truth: KnownTruth) -> dict[str, Any]:
    return {
        "name": "Truth Labeling",
        "workforce_type": WorkforceType.FULL_TIME,
        "data_types": [],
        "industries": [],
        "specialist_skills": [],
        "certifications": [],
        "time_zone": "UTC",
        "pricing_model": PricingModel.HOURLY,
        "rate": truth.hourly_rate,
        "currency": "USD",
        "kickoff_days": 7,
        "status": VendorStatus.ONBOARDED,
        "trial_quality": None,
        "trial_labels_per_hour": None,
        "trial_notes": "",
        "created_at": HISTORY_START - timedelta(days=365),
        "updated_at": HISTORY_START - timedelta(days=365),
        "archived_at": None,
    }


def _project(truth: KnownTruth) -> dict[str, Any]:
    return {
        "name": truth.name,
        "description": "Generated from known truth",
        "data_type": "TEXT",
        "ontology": {},
        "instructions": "",
        "status": "ACTIVE",
        "quality_target": 0.9,
        "sla_turnaround_hours": 48.0,
        "sla_target_share": 0.9,
        "deadline": None,
        "budget": None,
        "currency": "USD",
        "consensus_labels_per_task": 1,
        "consensus_coverage": 0.0,
        "benchmark_rate": 0.0,
        "review_share": 0.0,
        "created_at": HISTORY_START - timedelta(days=30),
        "updated_at": HISTORY_START - timedelta(days=30),
        "archived_at": None,
    }
