"""Labeling work: submitting a label, reviewing it, and reworking it after a thumbs down.

Each function locks the task row first (see `lock_task`), changes the labels, then re-derives the task's status
with `sync_task_status`, so the task always agrees with its labels. None of them commits: the caller owns the
transaction, and a DomainError leaves it to be rolled back whole.

Rules the functions enforce beyond the obvious ones:
- Slots: an ordinary task takes at most `labels_required` labels, each from a different labeler; a rejected label
  keeps its slot, since its author reworks it. A benchmark task takes one label from every labeler who works on
  it, without a cap, because a benchmark exists to score each labeler against the gold answer.
- Who labels: labelers in PRODUCTION; labelers in TESTING may label benchmark tasks only (that is their test).
  Either way they must be members of the task's project, not archived, and their vendor not offboarded.
- Who reviews: a member of the project in PRODUCTION who is not the label's author.
- Review sampling: a new label goes to review when `label_needs_review(label.id, project.review_share)`, else it
  is accepted on submission. A reworked label always goes back to review.
- Times: timezone-aware; `started_at <= submitted_at`, no earlier than the task's `created_at`, and no later than
  a few minutes from now (clock skew); a review happens no earlier than the label's submission, and no later than
  a few minutes from now either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from server.db.enums import LabelerStage, LabelStatus, ReviewVerdict
from server.db.guidelines import GuidelineVersion
from server.db.models import Label, Project, Review, Task
from server.db.types import utcnow
from server.services.crud.checks import get_or_not_found
from server.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.services.guidelines import checked_answer, version_in_force
from server.services.rollups import (
    consensus_changed,
    consensus_facts,
    label_changed,
    label_facts,
    review_added,
    review_facts,
    reviewer_labour_added,
)
from server.services.workflow.common import (
    MAX_SECONDS,
    lock_task,
    lock_task_of_label,
    not_ahead,
    require_answer,
    require_aware,
    require_open_task,
    require_seconds,
    require_working_member,
)
from server.services.workflow.tasks import label_needs_review, sync_task_status

__all__ = ["review_label", "rework_label", "submit_label"]

# Float seconds from two timestamps may differ from a client's own arithmetic in the last digits.
_SECONDS_TOLERANCE = 1e-3


async def _labeler_for_task(session: AsyncSession, labeler_id: int, task: Task, *, doing: str) -> None:
    """The labeler may work on this task: eligible stage, member of its project."""
    stages = (LabelerStage.PRODUCTION, LabelerStage.TESTING) if task.is_benchmark else (LabelerStage.PRODUCTION,)
    await require_working_member(
        session, task.project_id, labeler_id, field=("labeler_id",), stages=stages, doing=doing
    )


async def _label_with_locked_task(session: AsyncSession, label_id: int) -> tuple[Label, Task, list[Label]]:
    """The label, its task and all of the task's labels, the task row locked (found through the label) and the
    labels read after the lock, in one statement: the caller settles the task from them without reading again."""
    task = await lock_task_of_label(session, label_id)
    fresh = select(Label).where(Label.task_id == task.id).execution_options(populate_existing=True)
    labels = list((await session.scalars(fresh)).all())
    label = next((label for label in labels if label.id == label_id), None)
    if label is None:  # deleted between the lock's lookup and the lock
        raise NotFound("Label", label_id, path=("label_id",))
    # The caller answers with both: the label keeps its task, so neither is read again while the session lasts.
    set_committed_value(label, "task", task)
    return label, task, labels


async def submit_label(
    session: AsyncSession,
    *,
    task_id: int,
    labeler_id: int,
    answer: Any,
    started_at: datetime,
    submitted_at: datetime,
    seconds_to_label: float | None = None,
) -> Label:
    """Record a labeler's answer to a task and move the task along.

    `seconds_to_label` is the active labeling time; when omitted it is the span from `started_at` to
    `submitted_at`, and when given it must lie between 0 and that span (a labeler may pause). The label is
    SUBMITTED and the task IN_REVIEW when the project reviews it, else the label is ACCEPTED at once and the task
    is DONE (`completed_at = submitted_at`) once `labels_required` labels are accepted.

    Raises NotFound (unknown task or labeler), ValidationFailed (bad answer or times, ineligible labeler, closed
    task), Conflict (this labeler already labeled the task, or no free slot left).
    """
    answer = require_answer(("answer",), answer)
    started_at = require_aware(("started_at",), started_at)
    submitted_at = require_aware(("submitted_at",), submitted_at)
    if submitted_at < started_at:
        raise ValidationFailed(
            ("submitted_at",), submitted_at.isoformat(), f"must not be before started_at ({started_at.isoformat()})"
        )
    not_ahead(("submitted_at",), submitted_at)
    span = (submitted_at - started_at).total_seconds()
    if seconds_to_label is None:
        if span > MAX_SECONDS:  # the time taken is the span: bounded as a given one is
            raise ValidationFailed(
                ("submitted_at",),
                submitted_at.isoformat(),
                f"must be within {MAX_SECONDS} s of started_at ({started_at.isoformat()}) when seconds_to_label is "
                "not given",
            )
        seconds_to_label = span
    else:
        seconds_to_label = require_seconds(("seconds_to_label",), seconds_to_label)
        if seconds_to_label > span + _SECONDS_TOLERANCE:
            raise ValidationFailed(
                ("seconds_to_label",),
                seconds_to_label,
                f"must not exceed the {span:g} s from started_at to submitted_at",
            )

    task = await lock_task(session, task_id)
    project = await get_or_not_found(session, Project, task.project_id, field=("task_id",))
    require_open_task(task, project)
    await _labeler_for_task(session, labeler_id, task, doing="label this task")
    if started_at < task.created_at:
        raise ValidationFailed(
            ("started_at",), started_at.isoformat(), f"must not be before the task was created ({task.created_at})"
        )

    # The label is made under the guidelines in force when the labeler started, and must fit their ontology.
    version = await version_in_force(session, project.id, started_at)
    answer = checked_answer(project.ontology if version is None else version.ontology, answer)

    labels = (await session.scalars(select(Label).where(Label.task_id == task_id))).all()
    if any(label.labeler_id == labeler_id for label in labels):
        raise Conflict(f"labeler {labeler_id} has already labeled task {task_id}", path=("labeler_id",))
    if not task.is_benchmark and len(labels) >= task.labels_required:
        raise Conflict(
            f"task {task_id} already has its {len(labels)} of labels_required={task.labels_required} labels"
            f" (status {task.status})",
            path=("task_id",),
        )

    # A consensus task's agreement sums change with each label from the second on.
    consensus_before = await consensus_facts(session, task) if len(labels) >= 2 else None
    label = Label(
        task_id=task_id,
        labeler_id=labeler_id,
        answer=answer,
        status=LabelStatus.SUBMITTED,
        started_at=started_at,
        submitted_at=submitted_at,
        seconds_to_label=seconds_to_label,
        guideline_version_id=None if version is None else version.id,
    )
    session.add(label)
    try:
        await session.flush()
    except IntegrityError as error:
        # Only a writer that skipped the task lock can get here; the transaction is spoilt and must roll back.
        raise Conflict(f"labeler {labeler_id} has already labeled task {task_id}", path=("labeler_id",)) from error
    if not label_needs_review(label.id, project.review_share):
        label.status = LabelStatus.ACCEPTED
    await label_changed(session, None, label_facts(label, task, reviewed=False))
    if labels:
        await consensus_changed(session, consensus_before, await consensus_facts(session, task))
    # The task is locked: its labels are those read above and this one.
    await sync_task_status(session, task, at=submitted_at, labels=[*labels, label])
    return label


async def review_label(
    session: AsyncSession,
    *,
    label_id: int,
    reviewer_id: int,
    verdict: ReviewVerdict | str,
    seconds_to_review: float,
    comment: str = "",
    reviewed_at: datetime | None = None,
) -> Review:
    """A reviewer's verdict on a SUBMITTED label.

    THUMBS_UP accepts the label (the task is DONE once `labels_required` labels are accepted, else it goes on
    collecting consensus labels); THUMBS_DOWN rejects it and sends the task to rework, and needs a comment
    saying why. `reviewed_at` defaults to now (never earlier than the label's submission).

    Raises NotFound (unknown label or reviewer), ValidationFailed (bad verdict, time or comment, ineligible
    reviewer, closed task), InvalidTransition (the label is not awaiting review).
    """
    try:
        verdict = ReviewVerdict(verdict)
    except ValueError as error:
        choices = ", ".join(member.value for member in ReviewVerdict)
        raise ValidationFailed(("verdict",), verdict, f"must be one of {choices}") from error
    seconds_to_review = require_seconds(("seconds_to_review",), seconds_to_review)
    comment = comment.strip()
    if verdict is ReviewVerdict.THUMBS_DOWN and not comment:
        raise ValidationFailed(("comment",), comment, "must say why the label is rejected (required on THUMBS_DOWN)")

    label, task, labels = await _label_with_locked_task(session, label_id)
    target = LabelStatus.ACCEPTED if verdict is ReviewVerdict.THUMBS_UP else LabelStatus.REJECTED
    if label.status is not LabelStatus.SUBMITTED:
        raise InvalidTransition(
            "Label", label.status, target, reason=f"label {label_id} is not awaiting review", path=("label_id",)
        )
    project = await get_or_not_found(session, Project, task.project_id, field=("label_id",))
    require_open_task(task, project, field=("label_id",))
    if reviewer_id == label.labeler_id:
        raise ValidationFailed(("reviewer_id",), reviewer_id, "must not be the label's author")
    await require_working_member(
        session, task.project_id, reviewer_id, field=("reviewer_id",), stages=(LabelerStage.PRODUCTION,), doing="review"
    )
    if reviewed_at is None:
        reviewed_at = max(utcnow(), label.submitted_at)
    else:
        reviewed_at = not_ahead(("reviewed_at",), require_aware(("reviewed_at",), reviewed_at))
        if reviewed_at < label.submitted_at:
            raise ValidationFailed(
                ("reviewed_at",),
                reviewed_at.isoformat(),
                f"must not be before the label's submission ({label.submitted_at})",
            )

    review = Review(
        label_id=label_id,
        reviewer_id=reviewer_id,
        verdict=verdict,
        seconds_to_review=seconds_to_review,
        comment=comment,
        created_at=reviewed_at,
    )
    set_committed_value(review, "label", label)
    session.add(review)
    facts = review_facts(review, label, task)
    await review_added(session, facts)
    before = label_facts(label, task, reviewed=False)
    label.status = target
    await label_changed(session, before, label_facts(label, task, reviewed=True))
    await sync_task_status(session, task, at=reviewed_at, labels=labels)
    await reviewer_labour_added(session, facts)
    return review


async def rework_label(
    session: AsyncSession, *, label_id: int, labeler_id: int, answer: Any, rework_seconds: float
) -> Label:
    """The author's revision of a REJECTED label: new answer, `rework_seconds` added, `rework_count` + 1.

    The label is SUBMITTED again and always goes back to review; the task follows (IN_REVIEW unless another of
    its labels still awaits rework).

    Raises NotFound (unknown label or labeler), ValidationFailed (not the author, ineligible labeler, bad answer
    or time, closed task), InvalidTransition (the label is not REJECTED).
    """
    answer = require_answer(("answer",), answer)
    rework_seconds = require_seconds(("rework_seconds",), rework_seconds)
    label, task, labels = await _label_with_locked_task(session, label_id)
    if labeler_id != label.labeler_id:
        raise ValidationFailed(("labeler_id",), labeler_id, f"must be the label's author (labeler {label.labeler_id})")
    if label.status is not LabelStatus.REJECTED:
        raise InvalidTransition(
            "Label",
            label.status,
            LabelStatus.SUBMITTED,
            reason="only a rejected label is reworked",
            path=("label_id",),
        )
    project = await get_or_not_found(session, Project, task.project_id, field=("label_id",))
    require_open_task(task, project, field=("label_id",))
    await _labeler_for_task(session, labeler_id, task, doing="rework this label")
    # A rework answers the same guidelines the label was made under.
    version = (
        None if label.guideline_version_id is None else await session.get(GuidelineVersion, label.guideline_version_id)
    )
    answer = checked_answer(project.ontology if version is None else version.ontology, answer)

    before = label_facts(label, task, reviewed=True)
    consensus_before = await consensus_facts(session, task)
    label.answer = answer
    label.rework_seconds += rework_seconds
    label.rework_count += 1
    label.status = LabelStatus.SUBMITTED
    await label_changed(session, before, label_facts(label, task, reviewed=True))
    await consensus_changed(session, consensus_before, await consensus_facts(session, task))
    await sync_task_status(session, task, labels=labels)
    return label
