"""The vendor pipeline and which vendors work on which projects.

Pipeline: PROSPECT -> TRIAL -> ONBOARDED; any other status -> OFFBOARDED; OFFBOARDED -> PROSPECT to re-engage.
Entering TRIAL starts a fresh trial (earlier trial results are cleared unless given again); TRIAL -> ONBOARDED
needs the trial's quality on record. Offboarding a vendor offboards its labelers who are not offboarded yet, with
a note in their stage history: their access ends with the contract. Re-engaging does not bring them back.
"""

from __future__ import annotations

import math

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.db.enums import LabelerStage, VendorStatus
from server.db.models import Labeler, Project, ProjectMembership, Vendor
from server.db.types import utcnow
from server.services.crud.checks import get_or_not_found
from server.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.services.workflow.common import require_non_negative
from server.services.workflow.onboarding import offboard

__all__ = ["VENDOR_TRANSITIONS", "advance_vendor_status", "assign_vendor_to_project", "remove_vendor_from_project"]

VENDOR_TRANSITIONS: dict[VendorStatus, frozenset[VendorStatus]] = {
    VendorStatus.PROSPECT: frozenset({VendorStatus.TRIAL, VendorStatus.OFFBOARDED}),
    VendorStatus.TRIAL: frozenset({VendorStatus.ONBOARDED, VendorStatus.OFFBOARDED}),
    VendorStatus.ONBOARDED: frozenset({VendorStatus.OFFBOARDED}),
    VendorStatus.OFFBOARDED: frozenset({VendorStatus.PROSPECT}),
}


async def _live_vendor(session: AsyncSession, vendor_id: int) -> Vendor:
    vendor = await get_or_not_found(session, Vendor, vendor_id, field=("vendor_id",))
    if vendor.archived_at is not None:
        raise ValidationFailed(("vendor_id",), vendor_id, "must not name an archived vendor")
    return vendor


async def advance_vendor_status(
    session: AsyncSession,
    *,
    vendor_id: int,
    to_status: VendorStatus,
    trial_quality: float | None = None,
    trial_labels_per_hour: float | None = None,
    trial_notes: str | None = None,
) -> Vendor:
    """Move a vendor along the pipeline, recording trial results given with the move.

    `trial_quality` is a share in [0, 1], `trial_labels_per_hour` >= 0. Raises NotFound, ValidationFailed
    (archived vendor, out-of-range trial results, TRIAL -> ONBOARDED without a trial quality), InvalidTransition
    (any move not in VENDOR_TRANSITIONS, staying put included).
    """
    to_status = VendorStatus(to_status)
    if trial_quality is not None and (
        isinstance(trial_quality, bool) or not math.isfinite(trial_quality) or not 0 <= trial_quality <= 1
    ):
        raise ValidationFailed(("trial_quality",), trial_quality, "must be a share between 0 and 1")
    if trial_labels_per_hour is not None:
        trial_labels_per_hour = require_non_negative(("trial_labels_per_hour",), trial_labels_per_hour)
    vendor = await _live_vendor(session, vendor_id)
    current = vendor.status
    if to_status not in VENDOR_TRANSITIONS[current]:
        allowed = ", ".join(sorted(VENDOR_TRANSITIONS[current]))
        raise InvalidTransition("Vendor", current, to_status, reason=f"allowed: {allowed}", path=("to_status",))

    if to_status is VendorStatus.TRIAL:
        vendor.trial_quality = vendor.trial_labels_per_hour = vendor.trial_notes = None
    if trial_quality is not None:
        vendor.trial_quality = float(trial_quality)
    if trial_labels_per_hour is not None:
        vendor.trial_labels_per_hour = trial_labels_per_hour
    if trial_notes is not None:
        vendor.trial_notes = trial_notes.strip()
    if to_status is VendorStatus.ONBOARDED and vendor.trial_quality is None:
        raise ValidationFailed(("trial_quality",), None, "must be recorded before a vendor is onboarded from TRIAL")

    vendor.status = to_status
    if to_status is VendorStatus.OFFBOARDED:
        labelers = await session.scalars(
            select(Labeler).where(Labeler.vendor_id == vendor_id, Labeler.stage != LabelerStage.OFFBOARDED)
        )
        now = utcnow()
        for labeler in labelers.all():
            await offboard(session, labeler, at=now, note=f"vendor {vendor.name} offboarded")
    await session.flush()
    return vendor


async def _project_with_vendors(session: AsyncSession, project_id: int) -> Project:
    statement = select(Project).where(Project.id == project_id).options(selectinload(Project.vendors))
    project = (await session.scalars(statement)).one_or_none()
    if project is None:
        raise NotFound("Project", project_id, path=("project_id",))
    return project


async def assign_vendor_to_project(session: AsyncSession, *, project_id: int, vendor_id: int) -> Project:
    """Put a vendor on a project, so its labelers can be assigned there.

    The vendor must not be offboarded or archived, and must handle the project's data type when it lists data
    types at all (an empty list means unspecified). Raises NotFound, ValidationFailed, Conflict (already assigned).
    """
    project = await _project_with_vendors(session, project_id)
    if project.archived_at is not None:
        raise ValidationFailed(("project_id",), project_id, "must not name an archived project")
    vendor = await _live_vendor(session, vendor_id)
    if vendor.status is VendorStatus.OFFBOARDED:
        raise ValidationFailed(("vendor_id",), vendor_id, "must not name an offboarded vendor")
    if vendor.data_types and project.data_type.value not in vendor.data_types:
        raise ValidationFailed(
            ("vendor_id",),
            vendor_id,
            f"must handle the project's data type {project.data_type} (vendor handles {', '.join(vendor.data_types)})",
        )
    if any(assigned.id == vendor_id for assigned in project.vendors):
        raise Conflict(f"vendor {vendor_id} is already assigned to project {project_id}", path=("vendor_id",))
    project.vendors.append(vendor)
    await session.flush()
    return project


async def remove_vendor_from_project(session: AsyncSession, *, project_id: int, vendor_id: int) -> Project:
    """Take a vendor off a project. Refused (Conflict) while any of its labelers is still a member there:
    remove them first, so nobody loses access by surprise. Raises NotFound, ValidationFailed (not assigned).
    """
    project = await _project_with_vendors(session, project_id)
    vendor = await get_or_not_found(session, Vendor, vendor_id, field=("vendor_id",))
    if all(assigned.id != vendor_id for assigned in project.vendors):
        raise ValidationFailed(("vendor_id",), vendor_id, f"must be assigned to project {project_id}")
    members = await session.scalar(
        select(func.count())
        .select_from(ProjectMembership)
        .join(Labeler, Labeler.id == ProjectMembership.labeler_id)
        .where(ProjectMembership.project_id == project_id, Labeler.vendor_id == vendor_id)
    )
    if members:
        raise Conflict(
            f"vendor {vendor_id} still has {members} labeler(s) on project {project_id}; remove them first",
            path=("vendor_id",),
        )
    project.vendors.remove(vendor)
    await session.flush()
    return project
