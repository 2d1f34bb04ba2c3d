"""A labeler's path: onboarding stages with their timestamped history, offboarding, and project membership.

Stages move forward one at a time, HIRING -> PLATFORM_TRAINING -> PROJECT_TRAINING -> TESTING -> PRODUCTION.
The one backward move is TESTING -> PROJECT_TRAINING: a labeler who fails the test goes back to training.
OFFBOARDED is reached from any stage through `offboard_labeler` (which records why) and is final: a returning
person is hired again as a new labeler, so their history and metrics start clean.

Membership: a labeler joins a project only through a vendor assigned to that project (refused otherwise rather
than silently putting the vendor on the project, which is a commercial decision for a person, not a side effect).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelerStage, ProjectStatus
from server.db.models import Labeler, LabelerStageEvent, Project, ProjectMembership, project_vendors
from server.services.crud.checks import get_or_not_found
from server.services.errors import Conflict, InvalidTransition, ValidationFailed
from server.services.workflow.common import require_member, require_text, resolve_time

__all__ = [
    "STAGE_ORDER",
    "advance_labeler_stage",
    "assign_labeler_to_project",
    "offboard_labeler",
    "remove_labeler_from_project",
]

STAGE_ORDER: tuple[LabelerStage, ...] = (
    LabelerStage.HIRING,
    LabelerStage.PLATFORM_TRAINING,
    LabelerStage.PROJECT_TRAINING,
    LabelerStage.TESTING,
    LabelerStage.PRODUCTION,
)
_RETRAINING = (LabelerStage.TESTING, LabelerStage.PROJECT_TRAINING)


async def _live_labeler(session: AsyncSession, labeler_id: int) -> Labeler:
    labeler = await get_or_not_found(session, Labeler, labeler_id, field=("labeler_id",))
    if labeler.archived_at is not None:
        raise ValidationFailed(("labeler_id",), labeler_id, "must not name an archived labeler")
    return labeler


async def _record_stage(session: AsyncSession, labeler: Labeler, stage: LabelerStage, at: datetime, note: str) -> None:
    """Move the labeler and append the history event; history stays in time order."""
    last = await session.scalar(
        select(func.max(LabelerStageEvent.entered_at)).where(LabelerStageEvent.labeler_id == labeler.id)
    )
    if last is not None and at < last:
        raise ValidationFailed(("at",), at.isoformat(), f"must not be before the labeler's last stage change ({last})")
    labeler.stage = stage
    session.add(LabelerStageEvent(labeler_id=labeler.id, stage=stage, entered_at=at, note=note))
    await session.flush()


async def advance_labeler_stage(
    session: AsyncSession,
    *,
    labeler_id: int,
    to_stage: LabelerStage | None = None,
    at: datetime | None = None,
    note: str = "",
) -> Labeler:
    """Move a labeler to the next onboarding stage (`to_stage` None), or to `to_stage` if that is the next one,
    or back from TESTING to PROJECT_TRAINING after a failed test. `at` (default now) is when the stage began.

    Raises NotFound (unknown labeler), ValidationFailed (archived labeler, naive or out-of-order `at`),
    InvalidTransition naming current and target stage (skips, other backward moves, leaving OFFBOARDED, going
    past PRODUCTION, or OFFBOARDED as a target: that is `offboard_labeler`).
    """
    when = resolve_time(("at",), at)
    labeler = await _live_labeler(session, labeler_id)
    current = labeler.stage
    if current is LabelerStage.OFFBOARDED:
        raise InvalidTransition(
            "Labeler", current, to_stage or "next stage", reason="offboarding is final", path=("labeler_id",)
        )
    position = STAGE_ORDER.index(current)
    following = STAGE_ORDER[position + 1] if position + 1 < len(STAGE_ORDER) else None
    if to_stage is None:
        if following is None:
            raise InvalidTransition(
                "Labeler", current, "next stage", reason=f"{current} is the last stage", path=("to_stage",)
            )
        to_stage = following
    to_stage = LabelerStage(to_stage)
    if to_stage is LabelerStage.OFFBOARDED:
        raise InvalidTransition(
            "Labeler", current, to_stage, reason="use offboard_labeler, which records a reason", path=("to_stage",)
        )
    if to_stage is not following and (current, to_stage) != _RETRAINING:
        expected = f"the next stage is {following}" if following else f"{current} is the last stage"
        raise InvalidTransition(
            "Labeler", current, to_stage, reason=f"stages advance one at a time; {expected}", path=("to_stage",)
        )
    await _record_stage(session, labeler, to_stage, when, note.strip())
    return labeler


async def offboard_labeler(
    session: AsyncSession, *, labeler_id: int, reason: str, at: datetime | None = None
) -> Labeler:
    """Offboard a labeler from any stage, recording `reason` (required) in the stage history.

    Project memberships stay as history; an offboarded labeler can no longer label or review.
    Raises NotFound, ValidationFailed (blank reason, archived labeler, bad `at`), InvalidTransition (already
    offboarded).
    """
    reason = require_text(("reason",), reason)
    when = resolve_time(("at",), at)
    labeler = await _live_labeler(session, labeler_id)
    await offboard(session, labeler, at=when, note=reason)
    return labeler


async def offboard(session: AsyncSession, labeler: Labeler, *, at: datetime, note: str) -> None:
    """Offboard an already loaded labeler (also used when their vendor is offboarded)."""
    if labeler.stage is LabelerStage.OFFBOARDED:
        raise InvalidTransition(
            "Labeler", labeler.stage, LabelerStage.OFFBOARDED, reason="already offboarded", path=("labeler_id",)
        )
    await _record_stage(session, labeler, LabelerStage.OFFBOARDED, at, note)


async def assign_labeler_to_project(
    session: AsyncSession, *, project_id: int, labeler_id: int, at: datetime | None = None
) -> ProjectMembership:
    """Make a labeler a member of a project, joined at `at` (default now).

    The labeler's vendor must already be assigned to the project. Any stage but OFFBOARDED may join (project
    training happens on the project). Raises NotFound, ValidationFailed (archived or COMPLETED project, archived or
    offboarded labeler, vendor not on the project), Conflict (already a member).
    """
    when = resolve_time(("at",), at)
    project = await get_or_not_found(session, Project, project_id, field=("project_id",))
    if project.archived_at is not None or project.status is ProjectStatus.COMPLETED:
        state = "archived" if project.archived_at is not None else project.status.value
        raise ValidationFailed(("project_id",), project_id, f"must name a project open to new members (it is {state})")
    labeler = await _live_labeler(session, labeler_id)
    if labeler.stage is LabelerStage.OFFBOARDED:
        raise ValidationFailed(("labeler_id",), labeler_id, "must not name an offboarded labeler")
    vendor_on_project = await session.scalar(
        select(func.count())
        .select_from(project_vendors)
        .where(project_vendors.c.project_id == project_id, project_vendors.c.vendor_id == labeler.vendor_id)
    )
    if not vendor_on_project:
        raise ValidationFailed(
            ("labeler_id",),
            labeler_id,
            f"must work for a vendor assigned to project {project_id} (vendor {labeler.vendor_id} is not;"
            " assign the vendor first)",
        )
    if await session.get(ProjectMembership, (project_id, labeler_id)) is not None:
        raise Conflict(f"labeler {labeler_id} is already a member of project {project_id}", path=("labeler_id",))
    membership = ProjectMembership(project_id=project_id, labeler_id=labeler_id, joined_at=when)
    session.add(membership)
    await session.flush()
    return membership


async def remove_labeler_from_project(session: AsyncSession, *, project_id: int, labeler_id: int) -> None:
    """End a labeler's membership of a project; their labels and reviews stay.

    Raises NotFound (unknown project or labeler), ValidationFailed (not a member).
    """
    await get_or_not_found(session, Project, project_id, field=("project_id",))
    await get_or_not_found(session, Labeler, labeler_id, field=("labeler_id",))
    await require_member(session, project_id, labeler_id, field=("labeler_id",))
    membership = await session.get(ProjectMembership, (project_id, labeler_id))
    await session.delete(membership)
    await session.flush()
