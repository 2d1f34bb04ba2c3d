"""A labeler's onboarding stages, offboarding, and project membership, on a real database."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.enums import DataType, LabelerStage, ProjectStatus
from server.db.models import Labeler, LabelerStageEvent, Project, ProjectMembership, Vendor
from server.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from server.services.workflow import (
    advance_labeler_stage,
    assign_labeler_to_project,
    offboard_labeler,
    remove_labeler_from_project,
)
from tests.server.test_workflow_world import World, at, build_world, run


@pytest.fixture
async def world(database: Database) -> World:
    return await build_world(database)


async def _advance(
    database: Database, labeler: int, to_stage: LabelerStage | None = None, minute: float | None = 1, note: str = ""
) -> Labeler:
    when = None if minute is None else at(minute)
    return await run(
        database, lambda s: advance_labeler_stage(s, labeler_id=labeler, to_stage=to_stage, at=when, note=note)
    )


async def _history(database: Database, labeler: int) -> list[tuple[str, datetime, str]]:
    async with database.session() as session:
        events = await session.scalars(
            select(LabelerStageEvent)
            .where(LabelerStageEvent.labeler_id == labeler)
            .order_by(LabelerStageEvent.entered_at, LabelerStageEvent.id)
        )
        return [(event.stage, event.entered_at, event.note) for event in events]


# --- stages ---------------------------------------------------------------------------------------------------------


async def test_a_labeler_advances_one_stage_at_a_time_with_history(database: Database, world: World) -> None:
    # given henry in HIRING; when he is advanced four times, then he reaches PRODUCTION with a dated history
    for minute in (1, 2, 3, 4):
        labeler = await _advance(database, world.henry, minute=minute * 60, note=f"step {minute}")
    assert labeler.stage is LabelerStage.PRODUCTION
    assert await _history(database, world.henry) == [
        (LabelerStage.PLATFORM_TRAINING, at(60), "step 1"),
        (LabelerStage.PROJECT_TRAINING, at(120), "step 2"),
        (LabelerStage.TESTING, at(180), "step 3"),
        (LabelerStage.PRODUCTION, at(240), "step 4"),
    ]


async def test_naming_the_next_stage_explicitly_is_allowed(database: Database, world: World) -> None:
    labeler = await _advance(database, world.henry, LabelerStage.PLATFORM_TRAINING)
    assert labeler.stage is LabelerStage.PLATFORM_TRAINING


async def test_a_failed_test_sends_the_labeler_back_to_project_training(database: Database, world: World) -> None:
    labeler = await _advance(database, world.tess, LabelerStage.PROJECT_TRAINING, note="failed test: 71%")
    assert labeler.stage is LabelerStage.PROJECT_TRAINING
    assert (await _history(database, world.tess))[-1][2] == "failed test: 71%"


@pytest.mark.parametrize(
    ("labeler", "target", "message"),
    [
        ("henry", LabelerStage.TESTING, "Labeler cannot go from HIRING to TESTING: stages advance one at a time"),
        ("alice", LabelerStage.TESTING, "Labeler cannot go from PRODUCTION to TESTING"),
        ("tess", LabelerStage.HIRING, "Labeler cannot go from TESTING to HIRING"),
        ("alice", None, "Labeler cannot go from PRODUCTION to next stage: PRODUCTION is the last stage"),
        ("alice", LabelerStage.OFFBOARDED, "use offboard_labeler"),
        ("tess", LabelerStage.TESTING, "Labeler cannot go from TESTING to TESTING"),
    ],
)
async def test_invalid_stage_moves_name_current_and_target(
    database: Database, world: World, labeler: str, target: LabelerStage | None, message: str
) -> None:
    with pytest.raises(InvalidTransition, match=message):
        await _advance(database, getattr(world, labeler), target)
    assert await _history(database, getattr(world, labeler)) == []


async def test_offboarding_records_the_reason_and_is_final(database: Database, world: World) -> None:
    labeler = await run(database, lambda s: offboard_labeler(s, labeler_id=world.alice, reason=" moved on ", at=at(5)))
    assert labeler.stage is LabelerStage.OFFBOARDED
    assert await _history(database, world.alice) == [(LabelerStage.OFFBOARDED, at(5), "moved on")]
    with pytest.raises(
        InvalidTransition, match="Labeler cannot go from OFFBOARDED to next stage: offboarding is final"
    ):
        await _advance(database, world.alice)
    with pytest.raises(InvalidTransition, match="Labeler cannot go from OFFBOARDED to OFFBOARDED: already offboarded"):
        await run(database, lambda s: offboard_labeler(s, labeler_id=world.alice, reason="again"))


async def test_offboarding_needs_a_reason(database: Database, world: World) -> None:
    with pytest.raises(ValidationFailed, match="reason must not be blank"):
        await run(database, lambda s: offboard_labeler(s, labeler_id=world.alice, reason="  "))


async def test_stage_times_must_be_aware_and_in_order(database: Database, world: World) -> None:
    with pytest.raises(ValidationFailed, match="at must be timezone-aware"):
        await run(database, lambda s: advance_labeler_stage(s, labeler_id=world.henry, at=datetime(2025, 1, 6, 10)))
    await _advance(database, world.henry, minute=60)
    with pytest.raises(ValidationFailed, match="at must not be before the labeler's last stage change"):
        await _advance(database, world.henry, minute=30)


async def test_stage_time_defaults_to_now(database: Database, world: World) -> None:
    await _advance(database, world.henry, minute=None)
    [(stage, entered_at, _note)] = await _history(database, world.henry)
    assert stage is LabelerStage.PLATFORM_TRAINING and entered_at > at(0)


async def test_unknown_or_archived_labelers_are_refused(database: Database, world: World) -> None:
    with pytest.raises(NotFound, match="Labeler 999 does not exist"):
        await _advance(database, 999)
    with pytest.raises(NotFound, match="Labeler 999 does not exist"):
        await run(database, lambda s: offboard_labeler(s, labeler_id=999, reason="x"))

    async def archive(session: AsyncSession) -> None:
        labeler = await session.get(Labeler, world.henry)
        assert labeler is not None
        labeler.archived_at = at(0)

    await run(database, archive)
    with pytest.raises(ValidationFailed, match="labeler_id must not name an archived labeler"):
        await _advance(database, world.henry)


# --- membership ----------------------------------------------------------------------------------------------------


@pytest.fixture
async def newcomer(database: Database, world: World) -> int:
    """A labeler of the project's vendor who is not yet a member."""

    async def add(session: AsyncSession) -> int:
        labeler = Labeler(vendor_id=world.vendor, name="nina", stage=LabelerStage.PROJECT_TRAINING)
        session.add(labeler)
        await session.flush()
        return labeler.id

    return await run(database, add)


async def test_a_labeler_of_an_assigned_vendor_joins_the_project(
    database: Database, world: World, newcomer: int
) -> None:
    membership = await run(
        database, lambda s: assign_labeler_to_project(s, project_id=world.project, labeler_id=newcomer, at=at(3))
    )
    assert (membership.project_id, membership.labeler_id, membership.joined_at) == (world.project, newcomer, at(3))
    with pytest.raises(Conflict, match=rf"labeler {newcomer} is already a member of project {world.project}"):
        await run(database, lambda s: assign_labeler_to_project(s, project_id=world.project, labeler_id=newcomer))


async def test_a_labeler_whose_vendor_is_not_on_the_project_cannot_join(database: Database, world: World) -> None:
    async def outsider(session: AsyncSession) -> int:
        vendor = Vendor(name="Other", workforce_type="CROWD", pricing_model="PER_LABEL", rate=0.05)
        session.add(vendor)
        await session.flush()
        labeler = Labeler(vendor_id=vendor.id, name="olga", stage=LabelerStage.PRODUCTION)
        session.add(labeler)
        await session.flush()
        return labeler.id

    olga = await run(database, outsider)
    with pytest.raises(ValidationFailed, match=rf"must work for a vendor assigned to project {world.project}"):
        await run(database, lambda s: assign_labeler_to_project(s, project_id=world.project, labeler_id=olga))


async def test_offboarded_labelers_and_closed_projects_take_no_members(
    database: Database, world: World, newcomer: int
) -> None:
    async def completed_project(session: AsyncSession) -> int:
        project = Project(name="Done", data_type=DataType.IMAGE, status=ProjectStatus.COMPLETED)
        session.add(project)
        await session.flush()
        return project.id

    done = await run(database, completed_project)
    with pytest.raises(
        ValidationFailed, match="project_id must name a project open to new members \\(it is COMPLETED\\)"
    ):
        await run(database, lambda s: assign_labeler_to_project(s, project_id=done, labeler_id=newcomer))
    await run(database, lambda s: offboard_labeler(s, labeler_id=newcomer, reason="left"))
    with pytest.raises(ValidationFailed, match="labeler_id must not name an offboarded labeler"):
        await run(database, lambda s: assign_labeler_to_project(s, project_id=world.project, labeler_id=newcomer))
    with pytest.raises(NotFound, match="Project 999"):
        await run(database, lambda s: assign_labeler_to_project(s, project_id=999, labeler_id=newcomer))
    with pytest.raises(NotFound, match="Labeler 999"):
        await run(database, lambda s: assign_labeler_to_project(s, project_id=world.project, labeler_id=999))


async def test_removing_a_member_keeps_their_work_and_ends_access(database: Database, world: World) -> None:
    await run(database, lambda s: remove_labeler_from_project(s, project_id=world.project, labeler_id=world.alice))
    async with database.session() as session:
        assert await session.get(ProjectMembership, (world.project, world.alice)) is None
        assert await session.get(Labeler, world.alice) is not None
    with pytest.raises(ValidationFailed, match=rf"labeler_id must be a member of project {world.project}"):
        await run(database, lambda s: remove_labeler_from_project(s, project_id=world.project, labeler_id=world.alice))
    with pytest.raises(NotFound, match="Project 999"):
        await run(database, lambda s: remove_labeler_from_project(s, project_id=999, labeler_id=world.bob))
