"""One demo project's work: its tasks (demand), who labels them and how long it takes (the queue and the learning
curve), the review rounds each label goes through, and the rows of all that up to the anchor.

Every random draw comes from the project's generator in a fixed order (demand, labeling, review rounds), so the
same seed gives the same rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from server.db.enums import LabelStatus, ReviewVerdict, TaskStatus
from server.services.demo.catalog import ProjectSpec
from server.services.demo.queue import Assignments, dispatch, next_on_shift, shift_windows
from server.services.demo.rows import CURVE_FLOOR, CURVE_TAU_WEEKS, WINDOW_DAYS, Clock, DemoRows, Person
from server.services.workflow.tasks import task_status_from_labels

__all__ = ["project_work"]

_NOISE_SIGMA = 0.35
_HOUR = 1.0 / 24.0
_ROUNDS = 3  # the third look is an escalation that accepts the label


@dataclass(frozen=True)
class _Tasks:
    """The project's tasks, by index: creation day, benchmark or consensus, labels required, true class, priority."""

    created: np.ndarray
    benchmark: np.ndarray
    required: np.ndarray
    truth: np.ndarray
    priority: np.ndarray


@dataclass(frozen=True)
class _Labels:
    """The labels in the order they were started, what they answered at first, and the members' shifts."""

    work: Assignments
    submitted: np.ndarray
    correct: np.ndarray
    wrong_answer: np.ndarray
    windows: list[np.ndarray]


@dataclass(frozen=True)
class _Reviews:
    """Every review round of every label, drawn up front; [round, label] arrays."""

    reviewed: np.ndarray
    review_at: np.ndarray
    rework_at: np.ndarray
    rework_seconds: np.ndarray
    down: np.ndarray
    correct_after: np.ndarray
    review_seconds: np.ndarray
    reviewer_of: np.ndarray
    comment_pick: np.ndarray


def project_work(
    rows: DemoRows,
    rng: np.random.Generator,
    clock: Clock,
    spec: ProjectSpec,
    project_id: int,
    members: list[Person],
    reviewers: list[Person],
    scale: float,
) -> None:
    """Tasks, labels and reviews of one project, cut at the anchor."""
    tasks = _demand(rng, clock, spec, scale)
    labels = _labeling(rng, clock, spec, tasks, members)
    if labels is None:
        return
    reviews = _review_rounds(rng, spec, tasks, labels, len(reviewers))
    task_offset = len(rows.tasks)
    label_status = _label_rows(rows, clock, spec, task_offset, tasks, labels, reviews, members, reviewers)
    _task_rows(rows, clock, spec, project_id, tasks, label_status)


def _demand(rng: np.random.Generator, clock: Clock, spec: ProjectSpec, scale: float) -> _Tasks:
    """Weekdays busier than weekends, and growing through the window."""
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
    return _Tasks(created, benchmark, required, truth, priority)


def _project_windows(person: Person, project: str, clock: Clock) -> np.ndarray:
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


def _labeling(
    rng: np.random.Generator, clock: Clock, spec: ProjectSpec, tasks: _Tasks, members: list[Person]
) -> _Labels | None:
    """Who labels, and when: the queue, worked by the members on shift (see `queue`); None when nobody labeled."""
    production = np.array([p.production_day for p in members])
    windows = [_project_windows(person, spec.key, clock) for person in members]
    speed_of = [p.speed for p in members]
    noise = rng.lognormal(0.0, _NOISE_SIGMA, int(tasks.required.sum()))
    t0 = spec.seconds_t0

    def seconds_for(person: int, day: float, label_number: int) -> float:
        tenure_weeks = (day - production[person]) / 7.0
        curve = CURVE_FLOOR + (1.0 - CURVE_FLOOR) * math.exp(-tenure_weeks / CURVE_TAU_WEEKS)
        return round(max(t0 * speed_of[person] * curve * float(noise[label_number]), 2.0), 1)

    work = dispatch(tasks.created, tasks.priority, tasks.required, windows, seconds_for, rng)
    if work.task.size == 0:
        return None
    n = work.task.size
    base_error = np.array([p.error_rate for p in members])[work.person]
    tenure_weeks = (work.started - production[work.person]) / 7.0
    submitted = work.started + work.seconds / 86400.0
    error = np.minimum(base_error * (1.0 + 2.0 * np.exp(-tenure_weeks / CURVE_TAU_WEEKS)), 0.9)
    if spec.guideline_change is not None:
        # Clearer guidelines: fewer wrong answers from the change on (no extra draws, so the rest stays the same).
        error = np.where(work.started >= spec.guideline_change.day, error * spec.guideline_change.error_factor, error)
    correct = rng.random(n) >= error
    n_classes = len(spec.classes)
    wrong_answer = (tasks.truth[work.task] + rng.integers(1, n_classes, n)) % n_classes
    return _Labels(work, submitted, correct, wrong_answer, windows)


def _review_rounds(
    rng: np.random.Generator, spec: ProjectSpec, tasks: _Tasks, labels: _Labels, n_reviewers: int
) -> _Reviews:
    """Review rounds, all drawn up front; the anchor decides how far each label got."""
    work = labels.work
    n = work.task.size
    reviewed = (~tasks.benchmark[work.task]) & (rng.random(n) < spec.review_share)
    review_at = np.empty((_ROUNDS, n))
    rework_at = np.empty((_ROUNDS - 1, n))
    rework_seconds = np.empty((_ROUNDS - 1, n))
    down = np.zeros((_ROUNDS, n), dtype=bool)
    correct_after = np.empty((_ROUNDS, n), dtype=bool)
    correct_after[0] = labels.correct
    ready = labels.submitted
    for round_ in range(_ROUNDS):
        review_at[round_] = ready + np.maximum(rng.exponential(8.0 * _HOUR, n), 5.0 / 1440.0)
        if round_ == _ROUNDS - 1:
            break
        reject_probability = np.where(correct_after[round_], 0.03, 0.85)
        down[round_] = reviewed & (rng.random(n) < reject_probability)
        if round_ > 0:
            down[round_] &= down[round_ - 1]
        # The labeler reworks a rejected label when next on shift (a drawn wait where they have no shift left).
        seen = review_at[round_] + np.maximum(rng.exponential(1.0 * _HOUR, n), 10.0 / 1440.0)
        drawn = review_at[round_] + np.maximum(rng.exponential(8.0 * _HOUR, n), 10.0 / 1440.0)
        rework_at[round_] = next_on_shift(labels.windows, work.person, seen, otherwise=drawn)
        rework_seconds[round_] = np.round(work.seconds * rng.uniform(0.25, 0.6, n), 1)
        correct_after[round_ + 1] = correct_after[round_] | (down[round_] & (rng.random(n) < 0.92))
        ready = rework_at[round_]
    review_seconds = np.round(spec.review_seconds * rng.lognormal(0.0, 0.3, (_ROUNDS, n)), 1)
    reviewer_of = rng.integers(0, n_reviewers, (_ROUNDS, n))
    comment_pick = rng.integers(0, max(len(spec.reject_comments), 1), (_ROUNDS, n))
    return _Reviews(
        reviewed, review_at, rework_at, rework_seconds, down, correct_after, review_seconds, reviewer_of, comment_pick
    )


def _label_rows(
    rows: DemoRows,
    clock: Clock,
    spec: ProjectSpec,
    task_offset: int,
    tasks: _Tasks,
    labels: _Labels,
    reviews: _Reviews,
    members: list[Person],
    reviewers: list[Person],
) -> list[list[tuple[LabelStatus, float]]]:
    """The labels submitted by the anchor and their reviews given by it; returns each task's label statuses with
    when they were accepted. Labels refer to tasks by index, so the task rows come after, at `task_offset`."""
    work = labels.work
    label_status: list[list[tuple[LabelStatus, float]]] = [[] for _ in range(tasks.created.size)]
    label_rows: list[dict[str, Any]] = []
    review_rows: list[dict[str, Any]] = []
    end = float(WINDOW_DAYS)
    for i in range(work.task.size):
        if labels.submitted[i] > end:
            continue
        label_index = len(rows.labels) + len(label_rows)
        status, accepted_at, reworks = LabelStatus.ACCEPTED, float(labels.submitted[i]), 0
        if reviews.reviewed[i]:
            status = LabelStatus.SUBMITTED
            for round_ in range(_ROUNDS):
                if reviews.review_at[round_, i] > end:
                    break
                thumbs_down = bool(reviews.down[round_, i])
                reviewer = reviewers[int(reviews.reviewer_of[round_, i])].index
                review_rows.append(
                    {
                        "label_id": label_index,
                        "reviewer_id": reviewer,
                        "verdict": ReviewVerdict.THUMBS_DOWN if thumbs_down else ReviewVerdict.THUMBS_UP,
                        "seconds_to_review": float(reviews.review_seconds[round_, i]),
                        "comment": spec.reject_comments[int(reviews.comment_pick[round_, i])] if thumbs_down else "",
                        "created_at": clock(reviews.review_at[round_, i]),
                    }
                )
                if not thumbs_down:
                    status, accepted_at = LabelStatus.ACCEPTED, float(reviews.review_at[round_, i])
                    break
                if reviews.rework_at[round_, i] > end:
                    status = LabelStatus.REJECTED
                    break
                reworks += 1
        task = int(work.task[i])
        is_correct = bool(reviews.correct_after[reworks, i])
        answer_class = int(tasks.truth[task]) if is_correct else int(labels.wrong_answer[i])
        label_status[task].append((status, accepted_at))
        label_rows.append(
            {
                "task_id": task_offset + task,
                "labeler_id": members[int(work.person[i])].index,
                "answer": {spec.answer_field: spec.classes[answer_class]},
                "status": status,
                "started_at": clock(work.started[i]),
                "submitted_at": clock(labels.submitted[i]),
                "seconds_to_label": float(work.seconds[i]),
                "rework_seconds": float(sum(reviews.rework_seconds[r, i] for r in range(reworks))),
                "rework_count": reworks,
            }
        )
    rows.labels.extend(label_rows)
    rows.reviews.extend(review_rows)
    return label_status


def _task_rows(
    rows: DemoRows,
    clock: Clock,
    spec: ProjectSpec,
    project_id: int,
    tasks: _Tasks,
    label_status: list[list[tuple[LabelStatus, float]]],
) -> None:
    for t in range(tasks.created.size):
        required = int(tasks.required[t])
        task_status, completed = _task_status(label_status[t], required)
        benchmark = bool(tasks.benchmark[t])
        rows.tasks.append(
            {
                "project_id": project_id,
                "external_id": f"{spec.external_prefix}-{t + 1:06d}",
                "payload_ref": spec.payload_pattern.format(index=t + 1),
                "priority": int(tasks.priority[t]),
                "created_at": clock(tasks.created[t]),
                "due_at": clock(tasks.created[t] + spec.sla_turnaround_hours / 24.0),
                "completed_at": None if completed is None else clock(completed),
                "status": task_status,
                "labels_required": required,
                "is_benchmark": benchmark,
                "gold_answer": {spec.answer_field: spec.classes[int(tasks.truth[t])]} if benchmark else None,
                "archived_at": None,
            }
        )


def _task_status(labels: list[tuple[LabelStatus, float]], required: int) -> tuple[TaskStatus, float | None]:
    """The task's status given its labels, by the workflow's own rule; a DONE task completed when the label that
    met its requirement was accepted."""
    status = task_status_from_labels(required, [label_status for label_status, _ in labels])
    if status is not TaskStatus.DONE:
        return status, None
    accepted = sorted(at for label_status, at in labels if label_status is LabelStatus.ACCEPTED)
    return status, accepted[required - 1]
