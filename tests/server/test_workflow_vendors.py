"""The vendor pipeline and vendors on projects, on a real database."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.enums import DataType, LabelerStage, PricingModel, VendorStatus, WorkforceType
from server.db.models import Labeler, LabelerStageEvent, Project, Vendor
from server.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.services.workflow import (
    advance_vendor_status,
    assign_vendor_to_project,
    remove_labeler_from_project,
    remove_vendor_from_project,
)
from tests.server.test_workflow_world import World, build_world, run


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


@pytest.fixture
async def prospect(database: Database) -> int:
    async def add(session: AsyncSession) -> int:
        vendor = Vendor(
            name="Polyglot",
            workforce_type=WorkforceType.CROWD,
            data_types=["TEXT", "AUDIO"],
            pricing_model=PricingModel.PER_LABEL,
            rate=0.08,
        )
        session.add(vendor)
        await session.flush()
        return vendor.id

    return await run(database, add)


async def _move(database: Database, vendor: int, to: VendorStatus, **trial: object) -> Vendor:
    return await run(database, lambda s: advance_vendor_status(s, vendor_id=vendor, to_status=to, **trial))  # type: ignore[arg-type]


async def test_a_vendor_goes_from_prospect_through_trial_to_onboarded(database: Database, prospect: int) -> None:
    vendor = await _move(database, prospect, VendorStatus.TRIAL)
    assert vendor.status is VendorStatus.TRIAL
    vendor = await _move(
        database,
        prospect,
        VendorStatus.ONBOARDED,
        trial_quality=0.93,
        trial_labels_per_hour=41,
        trial_notes=" responsive ",
    )
    assert (vendor.status, vendor.trial_quality, vendor.trial_labels_per_hour, vendor.trial_notes) == (
        VendorStatus.ONBOARDED,
        0.93,
        41,
        "responsive",
    )


async def test_onboarding_from_trial_needs_the_trial_quality(database: Database, prospect: int) -> None:
    await _move(database, prospect, VendorStatus.TRIAL)
    with pytest.raises(ValidationFailed, match="trial_quality must be recorded before a vendor is onboarded"):
        await _move(database, prospect, VendorStatus.ONBOARDED, trial_labels_per_hour=30)


@pytest.mark.parametrize(
    ("trial", "field"),
    [
        ({"trial_quality": 1.2}, "trial_quality"),
        ({"trial_quality": -0.1}, "trial_quality"),
        ({"trial_quality": float("nan")}, "trial_quality"),
        ({"trial_labels_per_hour": -5}, "trial_labels_per_hour"),
    ],
)
async def test_out_of_range_trial_results_are_refused(
    database: Database, prospect: int, trial: dict[str, float], field: str
) -> None:
    await _move(database, prospect, VendorStatus.TRIAL)
    with pytest.raises(ValidationFailed, match=field) as failure:
        await _move(database, prospect, VendorStatus.ONBOARDED, **trial)
    assert failure.value.path == (field,)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ([VendorStatus.ONBOARDED], "Vendor cannot go from PROSPECT to ONBOARDED: allowed: OFFBOARDED, TRIAL"),
        ([VendorStatus.PROSPECT], "Vendor cannot go from PROSPECT to PROSPECT"),
        ([VendorStatus.OFFBOARDED, VendorStatus.TRIAL], "Vendor cannot go from OFFBOARDED to TRIAL: allowed: PROSPECT"),
        ([VendorStatus.TRIAL, VendorStatus.PROSPECT], "Vendor cannot go from TRIAL to PROSPECT"),
    ],
)
async def test_invalid_vendor_moves_name_current_and_target(
    database: Database, prospect: int, path: list[VendorStatus], message: str
) -> None:
    *allowed, refused = path
    for status in allowed:
        await _move(database, prospect, status)
    with pytest.raises(InvalidTransition, match=message):
        await _move(database, prospect, refused)


async def test_an_offboarded_vendor_is_re_engaged_as_a_prospect_with_a_fresh_trial(
    database: Database, prospect: int
) -> None:
    await _move(database, prospect, VendorStatus.TRIAL, trial_quality=0.6)
    await _move(database, prospect, VendorStatus.OFFBOARDED, trial_notes="quality too low")
    vendor = await _move(database, prospect, VendorStatus.PROSPECT)
    assert (vendor.status, vendor.trial_quality) == (VendorStatus.PROSPECT, 0.6)
    vendor = await _move(database, prospect, VendorStatus.TRIAL)
    assert (vendor.trial_quality, vendor.trial_notes) == (None, None)


async def test_offboarding_a_vendor_offboards_its_labelers(database: Database, world: World) -> None:
    await _move(database, world.vendor, VendorStatus.OFFBOARDED)
    async with database.session() as session:
        stages = set((await session.scalars(select(Labeler.stage).where(Labeler.vendor_id == world.vendor))).all())
        notes = set((await session.scalars(select(LabelerStageEvent.note))).all())
    assert stages == {LabelerStage.OFFBOARDED}
    assert notes == {"vendor Acme Labeling offboarded"}


async def test_unknown_vendor_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound, match="Vendor 999 does not exist") as missing:
        await _move(database, 999, VendorStatus.TRIAL)
    assert missing.value.path == ("vendor_id",)


# --- vendors on projects ---------------------------------------------------------------------------------------------


@pytest.fixture
async def text_project(database: Database) -> int:
    async def add(session: AsyncSession) -> int:
        project = Project(name="Support tickets", data_type=DataType.TEXT)
        session.add(project)
        await session.flush()
        return project.id

    return await run(database, add)


async def test_a_vendor_is_assigned_to_a_project_of_its_data_type(
    database: Database, world: World, prospect: int, text_project: int
) -> None:
    project = await run(database, lambda s: assign_vendor_to_project(s, project_id=text_project, vendor_id=prospect))
    assert [vendor.id for vendor in project.vendors] == [prospect]
    with pytest.raises(Conflict, match=rf"vendor {prospect} is already assigned to project {text_project}"):
        await run(database, lambda s: assign_vendor_to_project(s, project_id=text_project, vendor_id=prospect))
    with pytest.raises(
        ValidationFailed, match="must handle the project's data type IMAGE \\(vendor handles TEXT, AUDIO\\)"
    ):
        await run(database, lambda s: assign_vendor_to_project(s, project_id=world.project, vendor_id=prospect))


async def test_offboarded_and_unknown_vendors_are_not_assigned(
    database: Database, prospect: int, text_project: int
) -> None:
    await _move(database, prospect, VendorStatus.OFFBOARDED)
    with pytest.raises(ValidationFailed, match="vendor_id must not name an offboarded vendor"):
        await run(database, lambda s: assign_vendor_to_project(s, project_id=text_project, vendor_id=prospect))
    with pytest.raises(NotFound, match="Vendor 999"):
        await run(database, lambda s: assign_vendor_to_project(s, project_id=text_project, vendor_id=999))
    with pytest.raises(NotFound, match="Project 999"):
        await run(database, lambda s: assign_vendor_to_project(s, project_id=999, vendor_id=prospect))


async def test_a_vendor_leaves_a_project_only_once_its_labelers_have(database: Database, world: World) -> None:
    with pytest.raises(Conflict, match=rf"vendor {world.vendor} still has 5 labeler\(s\) on project {world.project}"):
        await run(database, lambda s: remove_vendor_from_project(s, project_id=world.project, vendor_id=world.vendor))
    for labeler in (world.alice, world.bob, world.carol, world.tess, world.henry):
        await run(database, partial(remove_labeler_from_project, project_id=world.project, labeler_id=labeler))
    project = await run(
        database, lambda s: remove_vendor_from_project(s, project_id=world.project, vendor_id=world.vendor)
    )
    assert project.vendors == []
    with pytest.raises(ValidationFailed, match=rf"vendor_id must be assigned to project {world.project}"):
        await run(database, lambda s: remove_vendor_from_project(s, project_id=world.project, vendor_id=world.vendor))
