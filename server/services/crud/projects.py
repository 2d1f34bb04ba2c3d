"""Creating, updating and archiving projects (assignments go through the workflow's rules)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import DataType, ProjectStatus
from server.db.models import Project
from server.services.completion_rollups import rebuild_completions
from server.services.crud.checks import (
    archive_row,
    check_aware,
    check_currency,
    check_name,
    check_non_negative,
    check_positive_int,
    check_share,
    refuse_duplicate_name,
)
from server.services.errors import InvalidTransition, NotFound, ValidationFailed
from server.services.guidelines import GuidelineChange, publish_version
from server.services.ontology import parse_ontology

__all__ = ["ProjectFields", "archive_project", "create_project", "update_project"]


@dataclass(frozen=True)
class ProjectFields:
    """Project attributes to set; None leaves an attribute as it is (or at its default on create)."""

    name: str | None = None
    description: str | None = None
    data_type: DataType | None = None
    ontology: dict[str, Any] | None = None
    instructions: str | None = None
    status: ProjectStatus | None = None
    quality_target: float | None = None
    sla_turnaround_hours: float | None = None
    sla_target_share: float | None = None
    deadline: datetime | None = None
    budget: float | None = None
    currency: str | None = None
    consensus_labels_per_task: int | None = None
    consensus_coverage: float | None = None
    benchmark_rate: float | None = None
    review_share: float | None = None


_SHARES = {"quality_target", "sla_target_share", "consensus_coverage", "benchmark_rate", "review_share"}


def _checked(values: ProjectFields) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for item in fields(values):
        value = getattr(values, item.name)
        if value is None:
            continue
        path = (item.name,)
        if item.name == "name":
            value = check_name(path, value)
        elif item.name in _SHARES:
            value = check_share(path, value)
        elif item.name == "sla_turnaround_hours":
            value = check_non_negative(path, value)
            if value == 0:
                raise ValidationFailed(path, value, "must be > 0")
        elif item.name == "budget":
            value = check_non_negative(path, value)
        elif item.name == "currency":
            value = check_currency(path, value)
        elif item.name == "consensus_labels_per_task":
            value = check_positive_int(path, value)
        elif item.name == "deadline":
            value = check_aware(path, value)
        elif item.name == "ontology":
            parse_ontology(value, path=path)
        checked[item.name] = value
    return checked


# Guideline edits through updateProject predate change notes; the version says where it came from.
_UPDATE_NOTE = "Edited with updateProject (no change note given)."
_GUIDELINES = ("ontology", "instructions")


async def create_project(session: AsyncSession, values: ProjectFields, *, author: str = "system") -> Project:
    """Create a project and version 1 of its guidelines (its ontology and instructions)."""
    checked = _checked(values)
    if "name" not in checked or "data_type" not in checked:
        raise ValidationFailed((), None, "needs a name and a dataType")
    await refuse_duplicate_name(session, Project, "project", checked["name"])
    project = Project(**checked)
    session.add(project)
    await session.flush()
    await publish_version(session, project.id, GuidelineChange(change_note="First version."), author=author)
    return project


async def update_project(
    session: AsyncSession, project_id: int, values: ProjectFields, *, author: str = "system"
) -> Project:
    """Change a project's settings; a COMPLETED project stays completed (its metrics are final). A changed
    ontology or instructions publishes a new guideline version (old versions never change)."""
    # Locked first: an SLA change recounts the completion rollups, which must not interleave with completions
    # counted under the old SLA (see completion_rollups' lock order).
    project = await session.get(Project, project_id, with_for_update=True, populate_existing=True)
    if project is None:
        raise NotFound("Project", project_id, path=("id",))
    checked = _checked(values)
    if "name" in checked:
        await refuse_duplicate_name(session, Project, "project", checked["name"], except_id=project.id)
    new_status = checked.get("status")
    if project.status is ProjectStatus.COMPLETED and new_status not in (None, ProjectStatus.COMPLETED):
        raise InvalidTransition(
            "Project", project.status, new_status, reason="a completed project is final", path=("status",)
        )
    turnaround = project.sla_turnaround_hours
    guidelines = {name: checked.pop(name) for name in _GUIDELINES if name in checked}
    for name, value in checked.items():
        setattr(project, name, value)
    await session.flush()
    if project.sla_turnaround_hours != turnaround:
        await rebuild_completions(session, project.id)
    if any(getattr(project, name) != value for name, value in guidelines.items()):
        change = GuidelineChange(change_note=_UPDATE_NOTE, **guidelines)
        await publish_version(session, project.id, change, author=author)
    return project


async def archive_project(session: AsyncSession, project_id: int) -> Project:
    """Hide a project from default listings; idempotent, history kept."""
    return await archive_row(session, Project, project_id)
