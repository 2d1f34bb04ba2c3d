"""The workflow's business rules: labeling, review, rework, issues, onboarding, vendors, benchmarks.

Every operation is an async function of an `AsyncSession` with keyword arguments of plain values. It never
commits (the caller owns the transaction and rolls it back on error), flushes when it needs ids, and raises a
`DomainError` (NotFound, ValidationFailed, InvalidTransition, Conflict) naming the field and value at fault.
The rules themselves are documented in the modules that implement them:
`labeling` (submit, review, rework), `tasks` (task status, review sampling, benchmarks),
`issues`, `onboarding` (labeler stages, membership), `vendors`.
"""

from __future__ import annotations

from server.services.workflow.issues import comment_on_issue, raise_issue, reopen_issue, resolve_issue
from server.services.workflow.labeling import review_label, rework_label, submit_label
from server.services.workflow.onboarding import (
    STAGE_ORDER,
    advance_labeler_stage,
    assign_labeler_to_project,
    offboard_labeler,
    remove_labeler_from_project,
)
from server.services.workflow.tasks import (
    find_inconsistent_tasks,
    label_needs_review,
    mark_benchmark,
    set_labels_required,
    sync_task_status,
    task_status_from_labels,
    unmark_benchmark,
)
from server.services.workflow.vendors import (
    VENDOR_TRANSITIONS,
    advance_vendor_status,
    assign_vendor_to_project,
    remove_vendor_from_project,
)

__all__ = [
    "STAGE_ORDER",
    "VENDOR_TRANSITIONS",
    "advance_labeler_stage",
    "advance_vendor_status",
    "assign_labeler_to_project",
    "assign_vendor_to_project",
    "comment_on_issue",
    "find_inconsistent_tasks",
    "label_needs_review",
    "mark_benchmark",
    "offboard_labeler",
    "raise_issue",
    "remove_labeler_from_project",
    "remove_vendor_from_project",
    "reopen_issue",
    "resolve_issue",
    "review_label",
    "rework_label",
    "set_labels_required",
    "submit_label",
    "sync_task_status",
    "task_status_from_labels",
    "unmark_benchmark",
]
