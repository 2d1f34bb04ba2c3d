"""Generation of the demo workspace's rows from a seed: eight weeks of labeling work, as plain dicts.

Times are generated as float days from the window start and cut at the anchor (the window end): whatever would
happen after the anchor (a label not yet submitted, a review not yet given, a rework not yet done) is left out, and
the remaining records are given the status they would have at the anchor. Who labels what, and when, is a queue
worked by the labelers on shift (`server.services.demo.queue`): waits come from how busy they are. Foreign keys are
local indexes into the parent lists (`vendor_id` is an index into `vendors`); `server.services.demo.seed` maps them to
database ids.

The learning curve: the time a labeler needs for a label falls with tenure in production t (weeks) as
T(t) = T0 * s * (A + (1 - A) * exp(-t / tau)) * lognormal noise, with A = 0.64 and tau = 1.5 weeks, so the median of
week 6 is about 0.72 of the median of week 1 (about 30% faster over the first six weeks, as weekly medians show it).
`s` is the labeler's own speed; a few outliers are fast but careless, or slow and careful.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from server.db.enums import IssueStatus, LabelerStage, LabelStatus, ReviewVerdict, TaskStatus
from server.db.rates import FROM_THE_START
from server.services.demo.catalog import FIRST_NAMES, LAST_NAMES, PROJECTS, VENDORS, Cohorts, ProjectSpec, VendorSpec
from server.services.demo.queue import ShiftPattern, dispatch, next_on_shift, shift_windows
from server.services.workflow.tasks import task_status_from_labels

__all__ = ["CURVE_FLOOR", "CURVE_TAU_WEEKS", "WINDOW_DAYS", "DemoRows", "generate"]

WINDOW_DAYS = 56
# Hourly labelers in production before the window got a raise of RAISE_SHARE on day RAISE_DAY of it.
RAISE_DAY = 28
RAISE_SHARE = 0.05
CURVE_FLOOR = 0.64
CURVE_TAU_WEEKS = 1.5
_NOISE_SIGMA = 0.35
_STAGE_ORDER = (
    LabelerStage.HIRING,
    LabelerStage.PLATFORM_TRAINING,
    LabelerStage.PROJECT_TRAINING,
    LabelerStage.TESTING,
    LabelerStage.PRODUCTION,
)
_HOUR = 1.0 / 24.0


@dataclass
class DemoRows:
    """Rows per table, parents first; local indexes in foreign-key fields."""

    vendors: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    project_vendors: list[dict[str, Any]] = field(default_factory=list)
    labelers: list[dict[str, Any]] = field(default_factory=list)
    stage_events: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    # Versions of each project's guidelines; `issue_titles` names the project's issues a version settles.
    guideline_versions: list[dict[str, Any]] = field(default_factory=list)
    labeler_rates: list[dict[str, Any]] = field(default_factory=list)  # rate history (server.db.rates)
    channels: list[dict[str, Any]] = field(default_factory=list)  # vendors' communication channels


@dataclass
class _Person:
    index: int
    vendor: VendorSpec
    projects: tuple[str, ...]
    production_day: float  # np.inf when not reached by the anchor
    offboard_day: float  # np.inf when still active
    speed: float
    error_rate: float
    shift: ShiftPattern
    reviewer: bool


class _Clock:
    """Converts float days from the window start into UTC datetimes, rounded to whole seconds."""

    def __init__(self, start: datetime) -> None:
        self.start = start

    def __call__(self, day: float) -> datetime:
        return self.start + timedelta(seconds=round(float(day) * 86400.0))


def generate(seed: int, anchor: datetime, scale: float, staff: int = 1) -> DemoRows:
    """All rows of the demo workspace for `seed`, ending at `anchor`, with task volume multiplied by `scale` and
    every vendor's cohorts by `staff` (labelers work shifts, so volume beyond their capacity waits in the queue)."""
    root = np.random.SeedSequence(seed)
    people_rng, work_rng, issue_rng = (np.random.default_rng(s) for s in root.spawn(3))
    clock = _Clock(anchor - timedelta(days=WINDOW_DAYS))
    rows = DemoRows()
    project_index = {spec.key: i for i, spec in enumerate(PROJECTS)}
    _vendors_and_projects(rows, clock, project_index)
    people = _people(rows, people_rng, clock, project_index, staff)
    reviewers = [p for p in people if p.reviewer]
    for spec in PROJECTS:
        if spec.tasks_per_day <= 0:
            continue
        members = [p for p in people if spec.key in p.projects and not p.reviewer]
        _project_work(rows, work_rng, clock, spec, project_index[spec.key], members, reviewers, scale)
    _issues(rows, issue_rng, clock, people, scale)
    return rows


def _guideline_versions(rows: DemoRows, clock: _Clock, project: ProjectSpec, project_id: int) -> dict[str, Any]:
    """Version 1 when the project was created and, for a project with a change, version 2 at its day; returns the
    newest, which the project row mirrors."""
    first = {
        "project_id": project_id,
        "number": 1,
        "author": "system",
        "created_at": clock(project.created_day),
        "change_note": "First version.",
        "ontology": project.ontology,
        "instructions": project.instructions,
        "examples": [],
        "common_mistakes": [],
        "issue_titles": (),
    }
    rows.guideline_versions.append(first)
    change = project.guideline_change
    if change is None:
        return first
    second = {
        **first,
        "number": 2,
        "author": "pm@labelops.example",
        "created_at": clock(change.day),
        "change_note": change.change_note,
        "instructions": change.instructions,
        "examples": [dict(example) for example in change.examples],
        "common_mistakes": [dict(mistake) for mistake in change.common_mistakes],
        "issue_titles": change.issue_titles,
    }
    rows.guideline_versions.append(second)
    return second


def _vendors_and_projects(rows: DemoRows, clock: _Clock, project_index: dict[str, int]) -> None:
    for project in PROJECTS:
        created = clock(project.created_day)
        guidelines = _guideline_versions(rows, clock, project, project_index[project.key])
        rows.projects.append(
            {
                "name": project.name,
                "description": project.description,
                "data_type": project.data_type,
                "ontology": guidelines["ontology"],
                "instructions": guidelines["instructions"],
                "status": project.status,
                "quality_target": project.quality_target,
                "sla_turnaround_hours": project.sla_turnaround_hours,
                "sla_target_share": project.sla_target_share,
                "deadline": None if project.deadline_days is None else clock(WINDOW_DAYS + project.deadline_days),
                "budget": project.budget,
                "currency": "USD",
                "consensus_labels_per_task": project.consensus_labels_per_task,
                "consensus_coverage": project.consensus_coverage,
                "benchmark_rate": project.benchmark_rate,
                "review_share": project.review_share,
                "created_at": created,
                "updated_at": created,
                "archived_at": None,
            }
        )
    for vendor_index, spec in enumerate(VENDORS):
        created = clock(-spec.created_days_before)
        updated = clock(spec.offboarded_day) if spec.offboarded_day is not None else created
        rows.vendors.append(
            {
                "name": spec.name,
                "workforce_type": spec.workforce_type,
                "data_types": [str(d) for d in spec.data_types],
                "industries": list(spec.industries),
                "specialist_skills": list(spec.specialist_skills),
                "certifications": [str(c) for c in spec.certifications],
                "time_zone": spec.time_zone,
                "pricing_model": spec.pricing_model,
                "rate": spec.rate,
                "currency": "USD",
                "kickoff_days": spec.kickoff_days,
                "status": spec.status,
                "trial_quality": spec.trial_quality,
                "trial_labels_per_hour": spec.trial_labels_per_hour,
                "trial_notes": spec.trial_notes,
                "created_at": created,
                "updated_at": updated,
                "archived_at": None,
            }
        )
        for key in spec.projects:
            rows.project_vendors.append({"project_id": project_index[key], "vendor_id": vendor_index})
        _vetting(rows.vendors[-1], spec)
        for channel in spec.channels:
            rows.channels.append(
                {
                    "vendor_id": vendor_index,
                    "project_id": None if channel.project is None else project_index[channel.project],
                    "kind": channel.kind,
                    "link": channel.link,
                    "note": channel.note,
                    "cadence": channel.cadence,
                    "preferred": channel.preferred,
                    "created_at": created,
                    "updated_at": created,
                }
            )


def _vetting(row: dict[str, Any], spec: VendorSpec) -> None:
    """The vendor's vetting answers on its row; all unstated (null) for a vendor without them."""
    vetting = spec.vetting
    row["available_days_per_week"] = None if vetting is None else vetting.days_per_week
    row["available_hours_per_day"] = None if vetting is None else vetting.hours_per_day
    row["languages"] = None if vetting is None else list(vetting.languages)
    row["communication_style"] = None if vetting is None else vetting.communication_style
    row["response_hours"] = None if vetting is None else vetting.response_hours


def _people(
    rows: DemoRows, rng: np.random.Generator, clock: _Clock, project_index: dict[str, int], staff: int = 1
) -> list[_Person]:
    """Labelers with their stage history; who is careless or slow is drawn here too."""
    people: list[_Person] = []
    names = rng.permutation(len(FIRST_NAMES) * len(LAST_NAMES))
    for vendor_index, spec in enumerate(VENDORS):
        cohorts = _times(spec.cohorts, staff)
        plan: list[tuple[str, float]] = []
        plan += [("veteran", -float(rng.uniform(20.0, 90.0))) for _ in range(cohorts.veterans)]
        plan += [("early", float(rng.uniform(*cohorts.early_range))) for _ in range(cohorts.early)]
        plan += [("mid", float(rng.uniform(*cohorts.mid_range))) for _ in range(cohorts.mid)]
        plan += [("pipeline", np.inf) for _ in range(cohorts.pipeline)]
        if spec.reviewers:
            plan = [("veteran", -float(rng.uniform(150.0, 400.0))) for _ in range(cohorts.veterans)]
        # Leavers come from those in production during most of the window, so attrition shows in the data.
        eligible = [i for i, (kind, _) in enumerate(plan) if kind in ("veteran", "early")]
        leavers = set(rng.choice(eligible, size=min(cohorts.leavers, len(eligible)), replace=False).tolist())
        both = _on_both_projects(spec, [kind != "pipeline" for kind, _ in plan], rng)
        for position, (kind, production_day) in enumerate(plan):
            index = len(people)
            name_code = int(names[index % names.size])  # names repeat only past 760 people
            first, last = FIRST_NAMES[name_code % len(FIRST_NAMES)], LAST_NAMES[name_code // len(FIRST_NAMES)]
            durations = (
                float(np.clip(rng.normal(14.0, 2.0), 9.0, 20.0)),  # hiring
                float(rng.uniform(2.0, 4.0)),  # platform training
                float(rng.uniform(3.0, 6.0)),  # project training
                float(rng.uniform(2.0, 4.0)),  # testing
            )
            if kind == "pipeline":
                # Each in turn caught in the next stage before production, so the pipeline shows every stage.
                caught = (position - (len(plan) - cohorts.pipeline)) % len(durations)
                hired = WINDOW_DAYS - sum(durations[:caught]) - float(rng.uniform(0.1, 0.9)) * durations[caught]
            else:
                hired = production_day - sum(durations)
            entered = [hired]
            for duration in durations:
                entered.append(entered[-1] + duration)
            reached = [(stage, day) for stage, day in zip(_STAGE_ORDER, entered, strict=True) if day <= WINDOW_DAYS]
            production = entered[4] if entered[4] <= WINDOW_DAYS else np.inf
            offboard = np.inf
            if spec.offboarded_day is not None:
                offboard = spec.offboarded_day + float(rng.uniform(-1.0, 1.0))
            elif position in leavers:
                offboard = float(rng.uniform(max(production, 0.0) + 10.0, WINDOW_DAYS - 3.0))
            speed = float(rng.lognormal(0.0, 0.18))
            error_rate = float(rng.uniform(0.04, 0.09))
            shift = _shift(spec, rng)
            projects = spec.projects if spec.reviewers or position in both else spec.projects[:1]
            person = _Person(index, spec, projects, production, offboard, speed, error_rate, shift, spec.reviewers)
            people.append(person)
            events: list[tuple[LabelerStage, float, str]] = [
                (stage, day, _stage_note(stage, spec)) for stage, day in reached
            ]
            if offboard <= WINDOW_DAYS:
                reason = spec.trial_notes if spec.offboarded_day is not None else "Left the vendor"
                events.append((LabelerStage.OFFBOARDED, offboard, reason or ""))
            current, last_day, _ = events[-1]
            rate = round(spec.rate * float(rng.lognormal(0.0, 0.08)) * 4) / 4 if spec.pricing_model == "HOURLY" else 0.0
            rows.labelers.append(
                {
                    "vendor_id": vendor_index,
                    "name": f"{first} {last}",
                    "email": f"{first}.{last}.{index + 1}@{spec.email_domain}".lower(),
                    "stage": current,
                    "hourly_rate": rate,
                    "skills": list(spec.labeler_skills),
                    "time_zone": spec.time_zone,
                    "created_at": clock(hired),
                    "updated_at": clock(last_day),
                    "archived_at": None,
                }
            )
            if rate > 0 and production_day <= 0:
                # Hourly veterans got their raise at the four-week review: their work before it costs the old rate.
                before = round(rate / (1.0 + RAISE_SHARE) * 4) / 4
                raised = clock(RAISE_DAY).astimezone(UTC).date().isoformat()
                rows.labeler_rates.append({"labeler_id": index, "effective_day": FROM_THE_START, "hourly_rate": before})
                rows.labeler_rates.append({"labeler_id": index, "effective_day": raised, "hourly_rate": rate})
            for stage, day, note in events:
                rows.stage_events.append({"labeler_id": index, "stage": stage, "entered_at": clock(day), "note": note})
            joined = entered[2] if not spec.reviewers else hired
            if joined <= WINDOW_DAYS:
                for key in projects:
                    rows.memberships.append(
                        {"project_id": project_index[key], "labeler_id": index, "joined_at": clock(joined)}
                    )
    _mark_outliers(rng, people)
    return people


def _times(cohorts: Cohorts, staff: int) -> Cohorts:
    """`cohorts` with every count multiplied by `staff`."""
    if staff < 1:
        raise ValueError(f"staff must be at least 1, got {staff!r}")
    counts = ("veterans", "early", "mid", "pipeline", "leavers")
    return replace(cohorts, **{name: getattr(cohorts, name) * staff for name in counts})


def _on_both_projects(spec: VendorSpec, labeling: list[bool], rng: np.random.Generator) -> set[int]:
    """Which of a vendor's labelers also work on its second project: a quarter of those labeling in the window (a
    fixed share, so each project's capacity, and the load on it, does not swing with the seed)."""
    candidates = np.flatnonzero(labeling)
    if len(spec.projects) <= 1 or spec.reviewers or candidates.size == 0:
        return set()
    return set(rng.choice(candidates, size=round(0.25 * candidates.size), replace=False).tolist())


def _shift(spec: VendorSpec, rng: np.random.Generator) -> ShiftPattern:
    """A labeler's own shift: start within an hour of the vendor's, length around the vendor's figure."""
    hours = float(np.clip(spec.shift_hours * rng.lognormal(0.0, 0.15), 0.6 * spec.shift_hours, 10.0))
    weekend = rng.random(2) < spec.weekend_share
    start = spec.shift_start_hour + float(rng.uniform(-1.0, 1.0))
    return ShiftPattern(spec.time_zone, start, hours, saturday=bool(weekend[0]), sunday=bool(weekend[1]))


def _mark_outliers(rng: np.random.Generator, people: list[_Person]) -> None:
    candidates = [p for p in people if not p.reviewer and np.isfinite(p.production_day) and p.vendor.key != "vector"]
    picked = rng.choice(len(candidates), size=4, replace=False)
    for position, choice in enumerate(picked):
        person = candidates[int(choice)]
        if position < 2:  # fast but careless
            person.speed, person.error_rate = 0.58, 0.26
        else:  # slow and careful
            person.speed, person.error_rate = 1.75, 0.02


def _stage_note(stage: LabelerStage, vendor: VendorSpec) -> str:
    return {
        LabelerStage.HIRING: f"Sourced by {vendor.name}",
        LabelerStage.PLATFORM_TRAINING: "Platform training: tools, hotkeys, QA policy",
        LabelerStage.PROJECT_TRAINING: "Project training: instructions and worked examples",
        LabelerStage.TESTING: "Qualification test on benchmark tasks",
        LabelerStage.PRODUCTION: "Passed qualification",
    }.get(stage, "")


def _project_windows(person: _Person, project: str, clock: _Clock) -> np.ndarray:
    """The shifts `person` spends on `project`, from production until a day before leaving: whole shifts, or the
    first or second half of each for someone on two projects. They run a week past the anchor: work rejected
    before it may be reworked after it."""
    share = 1.0 / len(person.projects)
    slot = person.projects.index(project)
    return shift_windows(
        person.shift,
        clock.start,
        WINDOW_DAYS + 7,
        available_from=person.production_day,
        available_until=person.offboard_day - 1.0,
        part=(slot * share, (slot + 1) * share),
    )


def _project_work(
    rows: DemoRows,
    rng: np.random.Generator,
    clock: _Clock,
    spec: ProjectSpec,
    project_id: int,
    members: list[_Person],
    reviewers: list[_Person],
    scale: float,
) -> None:
    """Tasks, labels and reviews of one project, cut at the anchor."""
    # Demand: weekdays busier than weekends, and growing through the window.
    days = np.arange(int(spec.start_day), WINDOW_DAYS)
    weekday = ((clock.start.weekday() + days) % 7) < 5
    surge = np.where(days >= WINDOW_DAYS - 10, 1.3, 1.0)
    rate = spec.tasks_per_day * scale * np.where(weekday, 1.0, 0.35) * (1.0 + 0.2 * days / WINDOW_DAYS) * surge
    counts = rng.poisson(rate)
    created = np.repeat(days.astype(float), counts) + rng.random(int(counts.sum()))
    created.sort()
    n_tasks = created.size
    benchmark = rng.random(n_tasks) < spec.benchmark_rate
    consensus = (~benchmark) & (rng.random(n_tasks) < spec.consensus_coverage)
    required = np.where(consensus, spec.consensus_labels_per_task, 1)
    weights = np.asarray(spec.class_weights) / np.sum(spec.class_weights)
    truth = rng.choice(len(spec.classes), size=n_tasks, p=weights)
    priority = rng.choice(3, size=n_tasks, p=(0.75, 0.2, 0.05))
    # Who labels, and when: the queue, worked by the members on shift (see `queue`).
    production = np.array([p.production_day for p in members])
    windows = [_project_windows(person, spec.key, clock) for person in members]
    speed_of = [p.speed for p in members]
    noise = rng.lognormal(0.0, _NOISE_SIGMA, int(required.sum()))
    t0 = spec.seconds_t0

    def seconds_for(person: int, day: float, label_number: int) -> float:
        tenure_weeks = (day - production[person]) / 7.0
        curve = CURVE_FLOOR + (1.0 - CURVE_FLOOR) * math.exp(-tenure_weeks / CURVE_TAU_WEEKS)
        return round(max(t0 * speed_of[person] * curve * float(noise[label_number]), 2.0), 1)

    work = dispatch(created, priority, required, windows, seconds_for, rng)
    if work.task.size == 0:
        return
    label_task, label_person, started, seconds = work.task, work.person, work.started, work.seconds
    n = label_task.size
    base_error = np.array([p.error_rate for p in members])[label_person]
    tenure_weeks = (started - production[label_person]) / 7.0
    submitted = started + seconds / 86400.0
    error = np.minimum(base_error * (1.0 + 2.0 * np.exp(-tenure_weeks / CURVE_TAU_WEEKS)), 0.9)
    if spec.guideline_change is not None:
        # Clearer guidelines: fewer wrong answers from the change on (no extra draws, so the rest stays the same).
        error = np.where(started >= spec.guideline_change.day, error * spec.guideline_change.error_factor, error)
    correct = rng.random(n) >= error
    n_classes = len(spec.classes)
    wrong_answer = (truth[label_task] + rng.integers(1, n_classes, n)) % n_classes

    # Review rounds, all drawn up front; the anchor decides how far each label got.
    reviewed = (~benchmark[label_task]) & (rng.random(n) < spec.review_share)
    review_at = np.empty((3, n))
    rework_at = np.empty((2, n))
    rework_seconds = np.empty((2, n))
    down = np.zeros((3, n), dtype=bool)
    correct_after = np.empty((3, n), dtype=bool)
    correct_after[0] = correct
    ready = submitted
    for round_ in range(3):
        review_at[round_] = ready + np.maximum(rng.exponential(8.0 * _HOUR, n), 5.0 / 1440.0)
        if round_ == 2:
            break  # the third look is an escalation that accepts the label
        reject_probability = np.where(correct_after[round_], 0.03, 0.85)
        down[round_] = reviewed & (rng.random(n) < reject_probability)
        if round_ > 0:
            down[round_] &= down[round_ - 1]
        # The labeler reworks a rejected label when next on shift (a drawn wait where they have no shift left).
        seen = review_at[round_] + np.maximum(rng.exponential(1.0 * _HOUR, n), 10.0 / 1440.0)
        drawn = review_at[round_] + np.maximum(rng.exponential(8.0 * _HOUR, n), 10.0 / 1440.0)
        rework_at[round_] = next_on_shift(windows, label_person, seen, otherwise=drawn)
        rework_seconds[round_] = np.round(seconds * rng.uniform(0.25, 0.6, n), 1)
        correct_after[round_ + 1] = correct_after[round_] | (down[round_] & (rng.random(n) < 0.92))
        ready = rework_at[round_]
    review_seconds = np.round(spec.review_seconds * rng.lognormal(0.0, 0.3, (3, n)), 1)
    reviewer_of = rng.integers(0, len(reviewers), (3, n))
    comment_pick = rng.integers(0, max(len(spec.reject_comments), 1), (3, n))

    # Tasks first (labels refer to them by index), then labels and reviews up to the anchor.
    task_offset = len(rows.tasks)
    label_status: list[list[tuple[LabelStatus, float]]] = [[] for _ in range(n_tasks)]
    label_rows: list[dict[str, Any]] = []
    review_rows: list[dict[str, Any]] = []
    end = float(WINDOW_DAYS)
    for i in range(n):
        if submitted[i] > end:
            continue
        label_index = len(rows.labels) + len(label_rows)
        status, accepted_at, reworks = LabelStatus.ACCEPTED, float(submitted[i]), 0
        if reviewed[i]:
            status = LabelStatus.SUBMITTED
            for round_ in range(3):
                if review_at[round_, i] > end:
                    break
                thumbs_down = bool(down[round_, i])
                reviewer = reviewers[int(reviewer_of[round_, i])].index
                review_rows.append(
                    {
                        "label_id": label_index,
                        "reviewer_id": reviewer,
                        "verdict": ReviewVerdict.THUMBS_DOWN if thumbs_down else ReviewVerdict.THUMBS_UP,
                        "seconds_to_review": float(review_seconds[round_, i]),
                        "comment": spec.reject_comments[int(comment_pick[round_, i])] if thumbs_down else "",
                        "created_at": clock(review_at[round_, i]),
                    }
                )
                if not thumbs_down:
                    status, accepted_at = LabelStatus.ACCEPTED, float(review_at[round_, i])
                    break
                if rework_at[round_, i] > end:
                    status = LabelStatus.REJECTED
                    break
                reworks += 1
        task = int(label_task[i])
        is_correct = bool(correct_after[reworks, i])
        answer_class = int(truth[task]) if is_correct else int(wrong_answer[i])
        label_status[task].append((status, accepted_at))
        label_rows.append(
            {
                "task_id": task_offset + task,
                "labeler_id": members[int(label_person[i])].index,
                "answer": {spec.answer_field: spec.classes[answer_class]},
                "status": status,
                "started_at": clock(started[i]),
                "submitted_at": clock(submitted[i]),
                "seconds_to_label": float(seconds[i]),
                "rework_seconds": float(sum(rework_seconds[r, i] for r in range(reworks))),
                "rework_count": reworks,
            }
        )
    for t in range(n_tasks):
        task_status, completed = _task_status(label_status[t], int(required[t]))
        rows.tasks.append(
            {
                "project_id": project_id,
                "external_id": f"{spec.external_prefix}-{t + 1:06d}",
                "payload_ref": spec.payload_pattern.format(index=t + 1),
                "priority": int(priority[t]),
                "created_at": clock(created[t]),
                "due_at": clock(created[t] + spec.sla_turnaround_hours / 24.0),
                "completed_at": None if completed is None else clock(completed),
                "status": task_status,
                "labels_required": int(required[t]),
                "is_benchmark": bool(benchmark[t]),
                "gold_answer": {spec.answer_field: spec.classes[int(truth[t])]} if benchmark[t] else None,
                "archived_at": None,
            }
        )
    rows.labels.extend(label_rows)
    rows.reviews.extend(review_rows)


def _task_status(labels: list[tuple[LabelStatus, float]], required: int) -> tuple[TaskStatus, float | None]:
    """The task's status given its labels, by the workflow's own rule; a DONE task completed when the label that
    met its requirement was accepted."""
    status = task_status_from_labels(required, [label_status for label_status, _ in labels])
    if status is not TaskStatus.DONE:
        return status, None
    accepted = sorted(at for label_status, at in labels if label_status is LabelStatus.ACCEPTED)
    return status, accepted[required - 1]


def _issues(rows: DemoRows, rng: np.random.Generator, clock: _Clock, people: list[_Person], scale: float) -> None:
    """Questions raised on labelled tasks, discussed by reviewers, most of them resolved."""
    if not rows.labels:
        return
    reviewers = [p.index for p in people if p.reviewer]
    task_project = [row["project_id"] for row in rows.tasks]
    count = max(4, round(110 * min(scale, 1.0) ** 0.5))
    end = float(WINDOW_DAYS)
    picks = np.sort(rng.choice(len(rows.labels), size=min(count, len(rows.labels)), replace=False))
    for label_index in picks:
        label = rows.labels[int(label_index)]
        spec = PROJECTS[task_project[label["task_id"]]]
        if not spec.issue_titles:
            continue
        submitted = (label["submitted_at"] - clock.start).total_seconds() / 86400.0
        created = submitted + float(rng.uniform(0.01, 1.0)) * min(1.0, end - submitted)
        resolved = created + 0.05 + float(rng.exponential(1.2))
        is_resolved = resolved <= end and rng.random() < 0.8
        topic = int(rng.integers(len(spec.issue_titles)))
        last = resolved if is_resolved else end
        n_comments = 1 + min(int(rng.poisson(1.5)), 4)
        times = np.sort(created + rng.uniform(0.0, 1.0, n_comments - 1) * (last - created))
        issue_index = len(rows.issues)
        raiser = label["labeler_id"]
        rows.issues.append(
            {
                "project_id": task_project[label["task_id"]],
                "task_id": label["task_id"],
                "label_id": int(label_index) if rng.random() < 0.5 else None,
                "raised_by_id": raiser,
                "title": spec.issue_titles[topic],
                "status": IssueStatus.RESOLVED if is_resolved else IssueStatus.OPEN,
                "resolved_at": clock(resolved) if is_resolved else None,
                "resolution": spec.resolutions[topic % len(spec.resolutions)] if is_resolved else "",
                "created_at": clock(created),
                "updated_at": clock(resolved if is_resolved else (times[-1] if times.size else created)),
            }
        )
        rows.comments.append(
            {
                "issue_id": issue_index,
                "author_id": raiser,
                "body": spec.issue_details[topic % len(spec.issue_details)],
                "created_at": clock(created),
            }
        )
        for position, at in enumerate(times):
            author = int(reviewers[int(rng.integers(len(reviewers)))]) if position % 2 == 0 else raiser
            body = spec.replies[int(rng.integers(len(spec.replies)))] if author != raiser else "Thanks, will do."
            rows.comments.append({"issue_id": issue_index, "author_id": author, "body": body, "created_at": clock(at)})
