"""Vendor operations over GraphQL: create, update, archive, pipeline moves, filters and ordering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from server.db import Database
from server.db.rates import FROM_THE_START, VendorRate
from server.services.rates import effective_day_of_change
from tests.server.graphql_client import create_vendor, execute, expect_data, mutate_ok

CREATE_VENDOR = """
mutation($input: CreateVendorInput!) {
  createVendor(input: $input) {
    __typename
    ... on VendorPayload {
      vendor { id name workforceType pricingModel rate currency timeZone certifications dataTypes status archivedAt }
    }
    ... on UserError { message field }
    ... on ValidationError { value }
  }
}
"""
UPDATE_VENDOR = """
mutation($input: UpdateVendorInput!) {
  updateVendor(input: $input) {
    __typename
    ... on VendorPayload { vendor { id name rate kickoffDays specialistSkills } }
    ... on UserError { message field }
  }
}
"""
ARCHIVE_VENDOR = """
mutation($id: ID!) {
  archiveVendor(id: $id) {
    __typename ... on VendorPayload { vendor { archivedAt } } ... on UserError { message field }
  }
}
"""
ADVANCE_VENDOR = """
mutation($input: AdvanceVendorStatusInput!) {
  advanceVendorStatus(input: $input) {
    __typename
    ... on VendorPayload { vendor { status trialResults { quality labelsPerHour notes } } }
    ... on InvalidTransitionError { message field current target }
    ... on UserError { message field }
  }
}
"""
LIST_VENDORS = """
query($filter: VendorFilter, $orderBy: VendorOrder, $includeArchived: Boolean! = false) {
  vendors(filter: $filter, orderBy: $orderBy, includeArchived: $includeArchived) {
    totalCount
    edges { node { name } }
  }
}
"""
VENDOR_BY_ID = """
query($id: ID!) { vendor(id: $id) { name } }
"""

VALID = {"name": "Acme", "workforceType": "CROWD", "pricingModel": "PER_LABEL", "rate": 0.05}


async def test_create_vendor_returns_the_prospect(database: Database) -> None:
    # given a complete vendor description
    values = {**VALID, "currency": "EUR", "timeZone": "Europe/Berlin", "certifications": ["GDPR", "HIPAA"]}
    # when it is created
    data = await expect_data(database, CREATE_VENDOR, {"input": values})
    # then it comes back as a prospect with its attributes
    vendor = data["createVendor"]["vendor"]
    assert vendor["name"] == "Acme"
    assert vendor["status"] == "PROSPECT"
    assert vendor["currency"] == "EUR"
    assert vendor["certifications"] == ["GDPR", "HIPAA"]
    assert vendor["archivedAt"] is None


@pytest.mark.parametrize(
    ("override", "field", "fragment"),
    [
        ({"name": "   "}, "input.name", "must not be empty"),
        ({"rate": -1.0}, "input.rate", ">= 0"),
        ({"currency": "usd"}, "input.currency", "ISO 4217"),
        ({"currency": "XYZ"}, "input.currency", "ISO 4217"),
        ({"timeZone": "Mars/Olympus"}, "input.timeZone", "IANA time zone"),
        ({"kickoffDays": -3}, "input.kickoffDays", ">= 0"),
        ({"industries": ["retail", " "]}, "input.industries[1]", "must not be empty"),
    ],
)
async def test_create_vendor_refuses_bad_values_naming_field_and_value(
    database: Database, override: dict[str, object], field: str, fragment: str
) -> None:
    # given a vendor with one bad value
    values = {**VALID, **override}
    # when it is created
    data = await expect_data(database, CREATE_VENDOR, {"input": values})
    # then a validation error names the field and the value, and nothing was written
    error = data["createVendor"]
    assert error["__typename"] == "ValidationError"
    assert error["field"] == field
    assert fragment in error["message"]
    assert error["value"] is not None
    listed = await expect_data(database, LIST_VENDORS, {"includeArchived": True})
    assert listed["vendors"]["totalCount"] == 0


async def test_create_vendor_refuses_an_unknown_enum_value(database: Database) -> None:
    # when the workforce type is not one of the enum's values
    result = await execute(database, CREATE_VENDOR, {"input": {**VALID, "workforceType": "ROBOTS"}})
    # then GraphQL refuses the variable, naming the value
    assert result.errors is not None
    assert "ROBOTS" in result.errors[0].message


async def test_duplicate_vendor_name_is_a_conflict(database: Database) -> None:
    # given a vendor
    await create_vendor(database, "Acme")
    # when another is created with the same name in another case
    data = await expect_data(database, CREATE_VENDOR, {"input": {**VALID, "name": "ACME"}})
    # then it is refused as a conflict on the name
    assert data["createVendor"]["__typename"] == "ConflictError"
    assert data["createVendor"]["field"] == "input.name"


async def test_update_vendor_changes_only_given_fields(database: Database) -> None:
    # given a vendor
    vendor = await create_vendor(database, "Acme", rate=12.0)
    # when two fields are updated
    changes = {"id": vendor, "kickoffDays": 3, "specialistSkills": ["radiology", "radiology", "legal"]}
    payload = await mutate_ok(database, UPDATE_VENDOR, {"input": changes}, "updateVendor")
    # then those change, the rest stays, duplicates are dropped
    assert payload["vendor"] == {
        "id": vendor,
        "name": "Acme",
        "rate": 12.0,
        "kickoffDays": 3,
        "specialistSkills": ["radiology", "legal"],
    }


async def test_update_unknown_vendor_is_not_found(database: Database) -> None:
    # given an id of a vendor that does not exist
    await create_vendor(database, "Acme")
    missing = "VmVuZG9yOjk5OTk="  # Vendor:9999
    # when it is updated
    data = await expect_data(database, UPDATE_VENDOR, {"input": {"id": missing, "rate": 1.0}})
    # then the result says so
    assert data["updateVendor"]["__typename"] == "NotFoundError"
    assert data["updateVendor"]["field"] == "input.id"


async def test_update_with_an_id_of_another_type_is_a_validation_error(database: Database) -> None:
    # when a vendor update is given a project id ("Project:1")
    data = await expect_data(database, UPDATE_VENDOR, {"input": {"id": "UHJvamVjdDox", "rate": 1.0}})
    # then the id is refused as the wrong type
    assert data["updateVendor"]["__typename"] == "ValidationError"
    assert "Vendor" in data["updateVendor"]["message"]


async def test_archived_vendors_are_hidden_unless_asked_for(database: Database) -> None:
    # given two vendors, one archived
    await create_vendor(database, "Acme")
    archived = await create_vendor(database, "Beta")
    payload = await mutate_ok(database, ARCHIVE_VENDOR, {"id": archived}, "archiveVendor")
    assert payload["vendor"]["archivedAt"] is not None
    # when vendors are listed with and without archived ones
    default = await expect_data(database, LIST_VENDORS)
    everything = await expect_data(database, LIST_VENDORS, {"includeArchived": True})
    # then the archived one appears only when asked for, and stays reachable by id
    assert [edge["node"]["name"] for edge in default["vendors"]["edges"]] == ["Acme"]
    assert everything["vendors"]["totalCount"] == 2
    assert (await expect_data(database, VENDOR_BY_ID, {"id": archived}))["vendor"] == {"name": "Beta"}


async def test_archive_unknown_vendor_is_not_found(database: Database) -> None:
    data = await expect_data(database, ARCHIVE_VENDOR, {"id": "VmVuZG9yOjQy"})
    assert data["archiveVendor"]["__typename"] == "NotFoundError"


async def test_vendor_moves_through_trial_with_results(database: Database) -> None:
    # given a prospect
    vendor = await create_vendor(database, "Acme")
    # when it enters a trial and is onboarded with trial results
    await mutate_ok(
        database, ADVANCE_VENDOR, {"input": {"vendorId": vendor, "toStatus": "TRIAL"}}, "advanceVendorStatus"
    )
    onboarding = {
        "vendorId": vendor,
        "toStatus": "ONBOARDED",
        "trialQuality": 0.93,
        "trialLabelsPerHour": 41.5,
        "trialNotes": "responsive",
    }
    payload = await mutate_ok(database, ADVANCE_VENDOR, {"input": onboarding}, "advanceVendorStatus")
    # then it is onboarded and keeps the results
    assert payload["vendor"] == {
        "status": "ONBOARDED",
        "trialResults": {"quality": 0.93, "labelsPerHour": 41.5, "notes": "responsive"},
    }


async def test_vendor_cannot_skip_the_trial(database: Database) -> None:
    # given a prospect
    vendor = await create_vendor(database, "Acme")
    # when it is onboarded directly
    data = await expect_data(database, ADVANCE_VENDOR, {"input": {"vendorId": vendor, "toStatus": "ONBOARDED"}})
    # then the transition is refused, naming both statuses
    error = data["advanceVendorStatus"]
    assert error["__typename"] == "InvalidTransitionError"
    assert (error["current"], error["target"]) == ("PROSPECT", "ONBOARDED")


async def test_trial_quality_out_of_range_is_refused(database: Database) -> None:
    vendor = await create_vendor(database, "Acme")
    move = {"vendorId": vendor, "toStatus": "TRIAL", "trialQuality": 1.5}
    data = await expect_data(database, ADVANCE_VENDOR, {"input": move})
    assert data["advanceVendorStatus"]["__typename"] == "ValidationError"
    assert data["advanceVendorStatus"]["field"] == "input.trialQuality"


async def test_advance_unknown_vendor_is_not_found(database: Database) -> None:
    data = await expect_data(database, ADVANCE_VENDOR, {"input": {"vendorId": "VmVuZG9yOjQy", "toStatus": "TRIAL"}})
    assert data["advanceVendorStatus"]["__typename"] == "NotFoundError"


async def test_vendors_filter_by_certification_workforce_and_data_type(database: Database) -> None:
    # given vendors with different certifications, workforce types and data types
    await create_vendor(database, "Crowd GDPR", certifications=["GDPR"], dataTypes=["TEXT"])
    await create_vendor(
        database, "FT HIPAA", workforceType="FULL_TIME", certifications=["HIPAA", "SOC2_TYPE_II"], dataTypes=["IMAGE"]
    )
    await create_vendor(database, "In-house", workforceType="IN_HOUSE", dataTypes=["IMAGE", "VIDEO"])

    async def names(filter: dict[str, object]) -> list[str]:
        data = await expect_data(database, LIST_VENDORS, {"filter": filter})
        return [edge["node"]["name"] for edge in data["vendors"]["edges"]]

    # then each filter keeps exactly the matching vendors
    assert await names({"certification": "HIPAA"}) == ["FT HIPAA"]
    assert await names({"certification": "SOC2_TYPE_II"}) == ["FT HIPAA"]
    assert await names({"workforceType": ["CROWD", "IN_HOUSE"]}) == ["Crowd GDPR", "In-house"]
    assert await names({"dataType": "IMAGE"}) == ["FT HIPAA", "In-house"]
    assert await names({"status": ["PROSPECT"], "nameContains": "house"}) == ["In-house"]
    assert await names({"status": ["ONBOARDED"]}) == []


async def test_vendors_order_by_rate_descending(database: Database) -> None:
    await create_vendor(database, "Cheap", rate=5.0)
    await create_vendor(database, "Dear", rate=50.0)
    await create_vendor(database, "Middle", rate=20.0)
    data = await expect_data(database, LIST_VENDORS, {"orderBy": {"field": "RATE", "direction": "DESC"}})
    assert [edge["node"]["name"] for edge in data["vendors"]["edges"]] == ["Dear", "Middle", "Cheap"]


async def test_a_vendor_rate_change_adds_a_history_row_from_the_next_utc_day(database: Database) -> None:
    vendor = await create_vendor(database, "Acme", pricingModel="PER_LABEL", rate=0.085)
    await mutate_ok(database, UPDATE_VENDOR, {"input": {"id": vendor, "rate": 0.09}}, "updateVendor")
    async with database.session() as session:
        rows = (await session.execute(select(VendorRate).order_by(VendorRate.effective_day))).scalars().all()
    assert [(row.effective_day, Decimal(str(row.rate))) for row in rows] == [
        (FROM_THE_START, Decimal("0.085")),
        (effective_day_of_change(), Decimal("0.09")),
    ]
