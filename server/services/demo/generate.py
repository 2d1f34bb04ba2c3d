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

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from server.db.enums import IssueStatus, LabelerStage
from server.db.rates import FROM_THE_START
from server.services.demo.catalog import FIRST_NAMES, LAST_NAMES, PROJECTS, VENDORS, Cohorts, ProjectSpec, VendorSpec
from server.services.demo.queue import ShiftPattern
from server.services.demo.rows import CURVE_FLOOR, CURVE_TAU_WEEKS, WINDOW_DAYS, Clock, DemoRows, Person
from server.services.demo.work import project_work

__all__ = ["CURVE_FLOOR", "CURVE_TAU_WEEKS", "WINDOW_DAYS", "DemoRows", "generate"]

# Hourly labelers in production before the window got a raise of RAISE_SHARE on day RAISE_DAY of it.
RAISE_DAY = 28
RAISE_SHARE = 0.05
_STAGE_ORDER = (
    LabelerStage.HIRING,
    LabelerStage.PLATFORM_TRAINING,
    LabelerStage.PROJECT_TRAINING,
    LabelerStage.TESTING,
    LabelerStage.PRODUCTION,
)


def generate(seed: int, anchor: datetime, scale: float, staff: int = 1) -> DemoRows:
    """All rows of the demo workspace for `seed`, ending at `anchor`, with task volume multiplied by `scale` and
    every vendor's cohorts by `staff` (labelers work shifts, so volume beyond their capacity waits in the queue)."""
    root = np.random.SeedSequence(seed)
    people_rng, work_rng, issue_rng = (np.random.default_rng(s) for s in root.spawn(3))
    clock = Clock(anchor - timedelta(days=WINDOW_DAYS))
    rows = DemoRows()
    project_index = {spec.key: i for i, spec in enumerate(PROJECTS)}
    _vendors_and_projects(rows, clock, project_index)
    people = _people(rows, people_rng, clock, project_index, staff)
    reviewers = [p for p in people if p.reviewer]
    for spec in PROJECTS:
        if spec.tasks_per_day <= 0:
            continue
        members = [p for p in people if spec.key in p.projects and not p.reviewer]
        project_work(rows, work_rng, clock, spec, project_index[spec.key], members, reviewers, scale)
    _issues(rows, issue_rng, clock, people, scale)
    return rows


def _guideline_versions(rows: DemoRows, clock: Clock, project: ProjectSpec, project_id: int) -> dict[str, Any]:
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


def _vendors_and_projects(rows: DemoRows, clock: Clock, project_index: dict[str, int]) -> None:
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
    rows: DemoRows, rng: np.random.Generator, clock: Clock, project_index: dict[str, int], staff: int = 1
) -> list[Person]:
    """Labelers with their stage history; who is careless or slow is drawn here too."""
    people: list[Person] = []
    names = rng.permutation(len(FIRST_NAMES) * len(LAST_NAMES))
    for vendor_index, spec in enumerate(VENDORS):
        cohorts = _times(spec.cohorts, staff)
        plan, leavers, both = _cohort_plan(spec, cohorts, rng)
        for position, (kind, production_day) in enumerate(plan):
            index = len(people)
            name_code = int(names[index % names.size])  # names repeat only past 760 people
            name = (FIRST_NAMES[name_code % len(FIRST_NAMES)], LAST_NAMES[name_code // len(FIRST_NAMES)])
            pipeline_position = position - (len(plan) - cohorts.pipeline) if kind == "pipeline" else None
            entered = _stage_days(rng, production_day, pipeline_position)
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
            person = Person(index, spec, projects, production, offboard, speed, error_rate, shift, spec.reviewers)
            people.append(person)
            _labeler_rows(rows, rng, clock, person, vendor_index, name, entered, production_day <= 0)
            joined = entered[2] if not spec.reviewers else entered[0]
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


def _cohort_plan(
    spec: VendorSpec, cohorts: Cohorts, rng: np.random.Generator
) -> tuple[list[tuple[str, float]], set[int], set[int]]:
    """A vendor's people (`cohorts`, the vendor's own or multiplied) as (cohort, production day) in order, which of
    them leave, and which work on both of its projects (by position in the plan)."""
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
    return plan, leavers, both


def _stage_days(rng: np.random.Generator, production_day: float, pipeline_position: int | None) -> list[float]:
    """The days someone entered each stage of `_STAGE_ORDER`, hiring first (later than the window where not reached).
    `pipeline_position` counts the people not yet in production: each in turn is caught in the next stage before
    production, so the pipeline shows every stage."""
    durations = (
        float(np.clip(rng.normal(14.0, 2.0), 9.0, 20.0)),  # hiring
        float(rng.uniform(2.0, 4.0)),  # platform training
        float(rng.uniform(3.0, 6.0)),  # project training
        float(rng.uniform(2.0, 4.0)),  # testing
    )
    if pipeline_position is not None:
        caught = pipeline_position % len(durations)
        hired = WINDOW_DAYS - sum(durations[:caught]) - float(rng.uniform(0.1, 0.9)) * durations[caught]
    else:
        hired = production_day - sum(durations)
    entered = [hired]
    for duration in durations:
        entered.append(entered[-1] + duration)
    return entered


def _labeler_rows(
    rows: DemoRows,
    rng: np.random.Generator,
    clock: Clock,
    person: Person,
    vendor_index: int,
    name: tuple[str, str],
    entered: list[float],
    veteran: bool,
) -> None:
    """The labeler's row, its hourly rate history and its stage events up to the anchor."""
    spec, index = person.vendor, person.index
    reached = [(stage, day) for stage, day in zip(_STAGE_ORDER, entered, strict=True) if day <= WINDOW_DAYS]
    events: list[tuple[LabelerStage, float, str]] = [(stage, day, _stage_note(stage, spec)) for stage, day in reached]
    if person.offboard_day <= WINDOW_DAYS:
        reason = spec.trial_notes if spec.offboarded_day is not None else "Left the vendor"
        events.append((LabelerStage.OFFBOARDED, person.offboard_day, reason or ""))
    current, last_day, _ = events[-1]
    rate = round(spec.rate * float(rng.lognormal(0.0, 0.08)) * 4) / 4 if spec.pricing_model == "HOURLY" else 0.0
    first, last = name
    rows.labelers.append(
        {
            "vendor_id": vendor_index,
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{index + 1}@{spec.email_domain}".lower(),
            "stage": current,
            "hourly_rate": rate,
            "skills": list(spec.labeler_skills),
            "time_zone": spec.time_zone,
            "created_at": clock(entered[0]),
            "updated_at": clock(last_day),
            "archived_at": None,
        }
    )
    if rate > 0 and veteran:
        # Hourly veterans got their raise at the four-week review: their work before it costs the old rate.
        before = round(rate / (1.0 + RAISE_SHARE) * 4) / 4
        raised = clock(RAISE_DAY).astimezone(UTC).date().isoformat()
        rows.labeler_rates.append({"labeler_id": index, "effective_day": FROM_THE_START, "hourly_rate": before})
        rows.labeler_rates.append({"labeler_id": index, "effective_day": raised, "hourly_rate": rate})
    for stage, day, note in events:
        rows.stage_events.append({"labeler_id": index, "stage": stage, "entered_at": clock(day), "note": note})


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


def _mark_outliers(rng: np.random.Generator, people: list[Person]) -> None:
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


def _issues(rows: DemoRows, rng: np.random.Generator, clock: Clock, people: list[Person], scale: float) -> None:
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
