"""Labeler operations over GraphQL: create, update, archive, stage moves, offboarding, filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from server.db import Database
from server.db.rates import FROM_THE_START, LabelerRate
from server.services.rates import effective_day_of_change
from tests.server.graphql_client import build_workspace, create_labeler, create_vendor, expect_data, mutate_ok

CREATE_LABELER = """
mutation($input: CreateLabelerInput!) {
  createLabeler(input: $input) {
    __typename
    ... on LabelerPayload { labeler { id name email stage skills timeZone vendor { name } stageHistory { stage } } }
    ... on UserError { message field }
  }
}
"""
UPDATE_LABELER = """
mutation($input: UpdateLabelerInput!) {
  updateLabeler(input: $input) {
    __typename
    ... on LabelerPayload { labeler { name hourlyRate skills } }
    ... on UserError { message field }
  }
}
"""
ARCHIVE_LABELER = """
mutation($id: ID!) { archiveLabeler(id: $id) { __typename ... on UserError { message } } }
"""
ADVANCE_STAGE = """
mutation($input: AdvanceLabelerStageInput!) {
  advanceLabelerStage(input: $input) {
    __typename
    ... on LabelerPayload { labeler { stage stageHistory { stage note } } }
    ... on InvalidTransitionError { current target }
    ... on UserError { message field }
  }
}
"""
OFFBOARD = """
mutation($input: OffboardLabelerInput!) {
  offboardLabeler(input: $input) {
    __typename
    ... on LabelerPayload { labeler { stage stageHistory { stage note } } }
    ... on UserError { message field }
  }
}
"""
LIST_LABELERS = """
query($filter: LabelerFilter, $includeArchived: Boolean! = false) {
  labelers(filter: $filter, includeArchived: $includeArchived) { totalCount edges { node { name stage } } }
}
"""


async def test_create_labeler_starts_in_hiring(database: Database) -> None:
    # given a vendor
    vendor = await create_vendor(database, "Acme")
    # when a labeler is created for it
    values = {
        "vendorId": vendor,
        "name": "Ana",
        "email": "Ana@Example.org",
        "skills": ["Tagalog"],
        "timeZone": "Asia/Manila",
    }
    payload = await mutate_ok(database, CREATE_LABELER, {"input": values}, "createLabeler")
    # then the labeler is HIRING with that one stage in the history
    labeler = payload["labeler"]
    assert labeler["stage"] == "HIRING"
    assert labeler["email"] == "ana@example.org"
    assert labeler["vendor"] == {"name": "Acme"}
    assert labeler["stageHistory"] == [{"stage": "HIRING"}]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"name": " "}, "input.name"),
        ({"email": "not-an-email"}, "input.email"),
        ({"hourlyRate": -2.0}, "input.hourlyRate"),
        ({"timeZone": "Nowhere/City"}, "input.timeZone"),
    ],
)
async def test_create_labeler_refuses_bad_values(database: Database, override: dict[str, object], field: str) -> None:
    vendor = await create_vendor(database, "Acme")
    data = await expect_data(database, CREATE_LABELER, {"input": {"vendorId": vendor, "name": "Ana", **override}})
    assert data["createLabeler"]["__typename"] == "ValidationError"
    assert data["createLabeler"]["field"] == field


async def test_create_labeler_for_unknown_vendor_is_not_found(database: Database) -> None:
    data = await expect_data(database, CREATE_LABELER, {"input": {"vendorId": "VmVuZG9yOjQy", "name": "Ana"}})
    assert data["createLabeler"]["__typename"] == "NotFoundError"
    assert data["createLabeler"]["field"] == "input.vendorId"


async def test_duplicate_email_is_a_conflict(database: Database) -> None:
    vendor = await create_vendor(database, "Acme")
    await mutate_ok(
        database, CREATE_LABELER, {"input": {"vendorId": vendor, "name": "A", "email": "a@x.org"}}, "createLabeler"
    )
    data = await expect_data(database, CREATE_LABELER, {"input": {"vendorId": vendor, "name": "B", "email": "A@x.org"}})
    assert data["createLabeler"]["__typename"] == "ConflictError"


async def test_update_and_archive_labeler(database: Database) -> None:
    vendor = await create_vendor(database, "Acme")
    labeler = await create_labeler(database, vendor, "Ana", production=False)
    payload = await mutate_ok(
        database, UPDATE_LABELER, {"input": {"id": labeler, "hourlyRate": 7.5, "skills": ["medical"]}}, "updateLabeler"
    )
    assert payload["labeler"] == {"name": "Ana", "hourlyRate": 7.5, "skills": ["medical"]}
    await mutate_ok(database, ARCHIVE_LABELER, {"id": labeler}, "archiveLabeler")
    assert (await expect_data(database, LIST_LABELERS))["labelers"]["totalCount"] == 0
    assert (await expect_data(database, LIST_LABELERS, {"includeArchived": True}))["labelers"]["totalCount"] == 1


async def test_update_unknown_labeler_is_not_found(database: Database) -> None:
    data = await expect_data(database, UPDATE_LABELER, {"input": {"id": "TGFiZWxlcjo0Mg==", "name": "x"}})
    assert data["updateLabeler"]["__typename"] == "NotFoundError"


async def test_stages_advance_one_at_a_time(database: Database) -> None:
    # given a labeler in HIRING
    vendor = await create_vendor(database, "Acme")
    labeler = await create_labeler(database, vendor, "Ana", production=False)
    # when advanced to the next stage with a note
    payload = await mutate_ok(
        database, ADVANCE_STAGE, {"input": {"labelerId": labeler, "note": "contract signed"}}, "advanceLabelerStage"
    )
    # then the stage and the history follow
    assert payload["labeler"]["stage"] == "PLATFORM_TRAINING"
    assert payload["labeler"]["stageHistory"][-1] == {"stage": "PLATFORM_TRAINING", "note": "contract signed"}
    # and skipping straight to PRODUCTION is refused, naming both stages
    skip = await expect_data(database, ADVANCE_STAGE, {"input": {"labelerId": labeler, "toStage": "PRODUCTION"}})
    assert skip["advanceLabelerStage"]["__typename"] == "InvalidTransitionError"
    assert skip["advanceLabelerStage"]["current"] == "PLATFORM_TRAINING"
    assert skip["advanceLabelerStage"]["target"] == "PRODUCTION"


async def test_advance_unknown_labeler_is_not_found(database: Database) -> None:
    data = await expect_data(database, ADVANCE_STAGE, {"input": {"labelerId": "TGFiZWxlcjo0Mg=="}})
    assert data["advanceLabelerStage"]["__typename"] == "NotFoundError"


async def test_offboarding_records_the_reason_and_is_final(database: Database) -> None:
    vendor = await create_vendor(database, "Acme")
    labeler = await create_labeler(database, vendor, "Ana")
    payload = await mutate_ok(
        database, OFFBOARD, {"input": {"labelerId": labeler, "reason": "left"}}, "offboardLabeler"
    )
    assert payload["labeler"]["stage"] == "OFFBOARDED"
    assert payload["labeler"]["stageHistory"][-1] == {"stage": "OFFBOARDED", "note": "left"}
    again = await expect_data(database, OFFBOARD, {"input": {"labelerId": labeler, "reason": "again"}})
    assert again["offboardLabeler"]["__typename"] == "InvalidTransitionError"
    blank = await expect_data(database, ADVANCE_STAGE, {"input": {"labelerId": labeler}})
    assert blank["advanceLabelerStage"]["__typename"] == "InvalidTransitionError"


async def test_offboarding_needs_a_reason(database: Database) -> None:
    vendor = await create_vendor(database, "Acme")
    labeler = await create_labeler(database, vendor, "Ana", production=False)
    data = await expect_data(database, OFFBOARD, {"input": {"labelerId": labeler, "reason": "  "}})
    assert data["offboardLabeler"]["__typename"] == "ValidationError"
    assert data["offboardLabeler"]["field"] == "input.reason"


async def test_labelers_filter_by_vendor_stage_and_project(database: Database) -> None:
    # given a workspace with two production members and a hiring labeler of another vendor
    workspace = await build_workspace(database, labelers=2, tasks=0)
    other = await create_vendor(database, "Other")
    await create_labeler(database, other, "Zed", production=False)

    async def names(filter: dict[str, object]) -> list[str]:
        data = await expect_data(database, LIST_LABELERS, {"filter": filter})
        return [edge["node"]["name"] for edge in data["labelers"]["edges"]]

    assert await names({"vendorId": other}) == ["Zed"]
    assert await names({"stage": ["PRODUCTION"]}) == ["Labeler 0", "Labeler 1"]
    assert await names({"projectId": workspace.project}) == ["Labeler 0", "Labeler 1"]
    assert await names({"projectId": workspace.project, "stage": ["HIRING"]}) == []
    assert await names({"skill": 'says "hi"'}) == []


async def _labeler_rates(database: Database) -> list[tuple[str, Decimal]]:
    async with database.session() as session:
        rows = (await session.execute(select(LabelerRate).order_by(LabelerRate.effective_day))).scalars()
        return [(row.effective_day, Decimal(str(row.hourly_rate))) for row in rows]


async def test_a_rate_change_adds_a_history_row_from_the_next_utc_day(database: Database) -> None:
    # given a labeler created at 5.25 an hour
    vendor = await create_vendor(database, "Acme")
    values = {"vendorId": vendor, "name": "Ana", "hourlyRate": 5.25}
    labeler = (await mutate_ok(database, CREATE_LABELER, {"input": values}, "createLabeler"))["labeler"]["id"]
    assert await _labeler_rates(database) == [(FROM_THE_START, Decimal("5.25"))]
    # when the rate is raised twice today
    tomorrow = effective_day_of_change()
    for rate in (7.5, 8.125):
        await mutate_ok(database, UPDATE_LABELER, {"input": {"id": labeler, "hourlyRate": rate}}, "updateLabeler")
    # then the work done so far keeps 5.25, and the last rate set applies from tomorrow
    assert await _labeler_rates(database) == [(FROM_THE_START, Decimal("5.25")), (tomorrow, Decimal("8.125"))]
    # and a rate finer than 1/10000 is refused, naming the field, with nothing changed
    data = await expect_data(database, UPDATE_LABELER, {"input": {"id": labeler, "hourlyRate": 9.00001}})
    assert data["updateLabeler"]["__typename"] == "ValidationError"
    assert data["updateLabeler"]["field"] == "input.hourlyRate"
    assert "4 decimal places" in data["updateLabeler"]["message"]
    assert len(await _labeler_rates(database)) == 2
