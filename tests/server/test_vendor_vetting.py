"""Vendor vetting answers and communication channels over GraphQL: stored, validated naming the field, searchable
and filterable; channels per vendor and project with one preferred, managed by admins only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from strawberry import relay

from server.auth.identity import Viewer
from server.db import Database
from server.db.access import Role
from server.db.channels import CommunicationChannel
from server.graphql import Context, schema
from server.settings import Settings
from tests.server.graphql_client import ASSIGN_VENDORS, create_project, create_vendor, expect_data

VETTING = "availableDaysPerWeek availableHoursPerDay languages communicationStyle responseHours"
CREATE = f"""
mutation($input: CreateVendorInput!) {{
  createVendor(input: $input) {{
    __typename
    ... on VendorPayload {{ vendor {{ id {VETTING} }} }}
    ... on UserError {{ message field }}
  }}
}}
"""
UPDATE = f"""
mutation($input: UpdateVendorInput!) {{
  updateVendor(input: $input) {{
    __typename ... on VendorPayload {{ vendor {{ {VETTING} }} }} ... on UserError {{ message field }}
  }}
}}
"""
LIST = """
query($filter: VendorFilter) { vendors(filter: $filter) { edges { node { name } } } }
"""
ADD = """
mutation($input: AddCommunicationChannelInput!) {
  addCommunicationChannel(input: $input) {
    __typename
    ... on CommunicationChannelPayload { channel { id kind link note cadence preferred projectId vendorId } }
    ... on UserError { message field }
  }
}
"""
CHANGE = """
mutation($input: UpdateCommunicationChannelInput!) {
  updateCommunicationChannel(input: $input) {
    __typename ... on CommunicationChannelPayload { channel { link preferred } } ... on UserError { message field }
  }
}
"""
REMOVE = """
mutation($id: ID!) {
  removeCommunicationChannel(id: $id) {
    __typename ... on RemovedCommunicationChannel { id } ... on UserError { message field }
  }
}
"""
CHANNELS = """
query($id: ID!, $project: ID) {
  vendor(id: $id) { channels(projectId: $project) { kind link preferred projectId } }
}
"""
BASE = {"workforceType": "FULL_TIME", "pricingModel": "HOURLY", "rate": 12.0}


async def test_vetting_answers_are_stored_and_updated(database: Database) -> None:
    answers = {
        "availableDaysPerWeek": 6,
        "availableHoursPerDay": 7.5,
        "languages": [" German ", "English", "German"],
        "communicationStyle": " Daily written summary; escalates blockers within the hour ",
        "responseHours": 2.0,
    }
    created = await expect_data(database, CREATE, {"input": {"name": "Acme", **BASE, **answers}})
    vendor = created["createVendor"]["vendor"]
    assert vendor["languages"] == ["German", "English"]  # trimmed, deduplicated in order
    assert vendor["communicationStyle"] == "Daily written summary; escalates blockers within the hour"
    assert (vendor["availableDaysPerWeek"], vendor["availableHoursPerDay"], vendor["responseHours"]) == (6, 7.5, 2.0)
    updated = await expect_data(database, UPDATE, {"input": {"id": vendor["id"], "availableHoursPerDay": 24}})
    assert updated["updateVendor"]["vendor"]["availableHoursPerDay"] == 24.0
    assert updated["updateVendor"]["vendor"]["languages"] == ["German", "English"]  # left out: unchanged
    unstated = await expect_data(database, CREATE, {"input": {"name": "Quiet", **BASE}})
    assert unstated["createVendor"]["vendor"]["languages"] == []
    assert unstated["createVendor"]["vendor"]["availableHoursPerDay"] is None


@pytest.mark.parametrize(
    ("answer", "field", "words"),
    [
        ({"availableDaysPerWeek": 8}, "input.availableDaysPerWeek", "must be from 1 to 7, got 8"),
        ({"availableDaysPerWeek": 0}, "input.availableDaysPerWeek", "must be from 1 to 7, got 0"),
        ({"availableHoursPerDay": 0.0}, "input.availableHoursPerDay", "must be above 0 to 24, got 0.0"),
        ({"availableHoursPerDay": 24.5}, "input.availableHoursPerDay", "must be above 0 to 24, got 24.5"),
        ({"responseHours": -1.0}, "input.responseHours", "must be a finite number >= 0, got -1.0"),
        ({"languages": ["German", " "]}, "input.languages[1]", "must not be empty"),
        ({"communicationStyle": "x" * 2001}, "input.communicationStyle", "must be at most 2000 characters"),
    ],
)
async def test_a_bad_answer_is_refused_naming_the_field_and_nothing_is_written(
    database: Database, answer: dict[str, Any], field: str, words: str
) -> None:
    refused = await expect_data(database, CREATE, {"input": {"name": "Acme", **BASE, **answer}})
    assert refused["createVendor"]["__typename"] == "ValidationError"
    assert refused["createVendor"]["field"] == field and words in refused["createVendor"]["message"]
    assert (await expect_data(database, LIST, {}))["vendors"]["edges"] == []


async def test_vendors_are_found_by_their_vetting_answers_and_channels(database: Database) -> None:
    berlin = await create_vendor(
        database,
        "Berlin Labels",
        industries=["Automotive"],
        specialistSkills=["LiDAR"],
        languages=["German"],
        availableHoursPerDay=8.0,
        availableDaysPerWeek=5,
        kickoffDays=7,
        communicationStyle="Weekly call with a written report",
    )
    await create_vendor(
        database,
        "Manila Crowd",
        industries=["E-commerce", "automotive parts"],
        languages=["Tagalog", "English"],
        availableHoursPerDay=12.0,
        availableDaysPerWeek=7,
        kickoffDays=3,
    )
    await create_vendor(database, "Unstated")
    await expect_data(
        database, ADD, {"input": {"vendorId": berlin, "kind": "MEETING", "link": "https://meet.example/berlin"}}
    )

    async def names(filter: dict[str, Any]) -> list[str]:
        return [e["node"]["name"] for e in (await expect_data(database, LIST, {"filter": filter}))["vendors"]["edges"]]

    assert await names({"industry": "automotive"}) == ["Berlin Labels"]  # whole entries, any case
    assert await names({"skill": "lidar"}) == ["Berlin Labels"]
    assert await names({"language": "ENGLISH"}) == ["Manila Crowd"]
    assert await names({"maxKickoffDays": 5}) == ["Manila Crowd"]
    assert await names({"minHoursPerDay": 8.0}) == ["Berlin Labels", "Manila Crowd"]  # unstated is not a yes
    assert await names({"minHoursPerDay": 8.01}) == ["Manila Crowd"]
    assert await names({"minDaysPerWeek": 6}) == ["Manila Crowd"]
    assert await names({"channelKind": "MEETING"}) == ["Berlin Labels"]
    assert await names({"channelKind": "CHAT"}) == []
    assert await names({"search": "AUTOMOTIVE"}) == ["Berlin Labels", "Manila Crowd"]  # inside entries too
    assert await names({"search": "written report"}) == ["Berlin Labels"]
    assert await names({"search": "tagalog", "minDaysPerWeek": 5}) == ["Manila Crowd"]
    assert await names({"search": "100%_"}) == []  # LIKE wildcards are literal


async def _vendor_on_project(database: Database) -> tuple[str, str, str]:
    vendor = await create_vendor(database, "Acme")
    project = await create_project(database, "Roads")
    other = await create_project(database, "Signs")
    await expect_data(database, ASSIGN_VENDORS, {"input": {"projectId": project, "vendorIds": [vendor]}})
    return vendor, project, other


async def test_channels_per_vendor_and_project_with_one_preferred(database: Database) -> None:
    vendor, project, other = await _vendor_on_project(database)

    async def add(**values: Any) -> dict[str, Any]:
        payload = await expect_data(database, ADD, {"input": {"vendorId": vendor, **values}})
        return dict(payload["addCommunicationChannel"])

    chat = await add(kind="CHAT", link="https://chat.example/acme", cadence="DAILY", preferred=True)
    assert chat["__typename"] == "CommunicationChannelPayload" and chat["channel"]["projectId"] is None
    doc = await add(kind="DOCUMENT", link="https://docs.example/roads", projectId=project, preferred=True)
    email = await add(kind="EMAIL", link="mailto:ops@acme.example", note="Escalations", preferred=True)
    assert doc["channel"]["preferred"] and email["channel"]["preferred"]

    async def channels(project_id: str | None = None) -> list[tuple[str, bool, bool]]:
        data = await expect_data(database, CHANNELS, {"id": vendor, "project": project_id})
        return [(c["kind"], c["preferred"], c["projectId"] is None) for c in data["vendor"]["channels"]]

    # The e-mail took the vendor-wide preference from the chat; the project's document keeps its own.
    assert await channels() == [("EMAIL", True, True), ("DOCUMENT", True, False), ("CHAT", False, True)]
    assert await channels(other) == [("EMAIL", True, True), ("CHAT", False, True)]
    changed = await expect_data(database, CHANGE, {"input": {"id": chat["channel"]["id"], "preferred": True}})
    assert changed["updateCommunicationChannel"]["channel"]["preferred"] is True
    assert await channels(other) == [("CHAT", True, True), ("EMAIL", False, True)]
    removed = await expect_data(database, REMOVE, {"id": doc["channel"]["id"]})
    assert removed["removeCommunicationChannel"]["id"] == doc["channel"]["id"]
    assert [kind for kind, _, _ in await channels(project)] == ["CHAT", "EMAIL"]
    again = await expect_data(database, REMOVE, {"id": doc["channel"]["id"]})
    assert again["removeCommunicationChannel"]["__typename"] == "NotFoundError"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"kind": "CHAT", "link": "javascript:alert(1)"}, "input.link", "must be an http, https or mailto address"),
        ({"kind": "CHAT", "link": "https://"}, "input.link", "must be an http, https or mailto address"),
        ({"kind": "CHAT", "link": "https://x.example/" + "a" * 2000}, "input.link", "at most 2000 characters"),
        ({"kind": "MEETING", "link": " ", "note": ""}, "input.link", "input.link or the note must say where to reach"),
        ({"kind": "CHAT", "note": "n" * 2001}, "input.note", "at most 2000 characters"),
        ({"kind": "CHAT", "note": "Slack", "projectId": "OTHER"}, "input.projectId", "the vendor is assigned to"),
        ({"kind": "CHAT", "note": "Slack", "vendorId": "VmVuZG9yOjk5OQ=="}, "input.vendorId", "does not exist"),
    ],
)
async def test_a_bad_channel_is_refused_naming_the_field_and_nothing_is_written(
    database: Database, values: dict[str, Any], field: str, words: str
) -> None:
    vendor, _, other = await _vendor_on_project(database)
    if values.get("projectId") == "OTHER":
        values = {**values, "projectId": other}
    refused = (await expect_data(database, ADD, {"input": {"vendorId": vendor, **values}}))["addCommunicationChannel"]
    assert refused["field"] == field and words in refused["message"].lower(), refused
    async with database.session() as session:
        assert (await session.scalars(select(CommunicationChannel))).all() == []


async def test_a_refused_change_leaves_the_channel_as_it_was(database: Database) -> None:
    vendor, _, _ = await _vendor_on_project(database)
    added = await expect_data(
        database, ADD, {"input": {"vendorId": vendor, "kind": "CHAT", "link": "https://a.example"}}
    )
    key = added["addCommunicationChannel"]["channel"]["id"]
    refused = await expect_data(database, CHANGE, {"input": {"id": key, "link": "", "preferred": True}})
    assert refused["updateCommunicationChannel"]["field"] == "input.link"
    data = await expect_data(database, CHANNELS, {"id": vendor, "project": None})
    assert data["vendor"]["channels"] == [
        {"kind": "CHAT", "link": "https://a.example", "preferred": False, "projectId": None}
    ]


async def test_only_admins_manage_channels(database: Database) -> None:
    vendor, project, _ = await _vendor_on_project(database)
    key = int(relay.GlobalID.from_id(project).node_id)
    viewer = Viewer(role=Role.PROGRAM_MANAGER, user_id=1, project_ids=frozenset({key}))
    context = Context(database, Settings(), viewer=viewer)
    variables = {"input": {"vendorId": vendor, "kind": "CHAT", "link": "https://a.example"}}
    result = await schema.execute(ADD, variable_values=variables, context_value=context)
    assert result.errors is not None and result.errors[0].extensions == {"code": "FORBIDDEN"}
    assert "may not call addCommunicationChannel" in result.errors[0].message
    async with database.session() as session:
        assert (await session.scalars(select(CommunicationChannel))).all() == []


async def test_the_demo_vendors_carry_vetting_answers_and_channels(database: Database) -> None:
    from server.services.demo.seed import seed_demo

    await seed_demo(database, scale=0.05)
    found = await expect_data(database, LIST, {"filter": {"language": "tagalog", "channelKind": "CHAT"}})
    assert [e["node"]["name"] for e in found["vendors"]["edges"]] == ["Northwind Annotation"]
    query = (
        "{ vendors(first: 20) { edges { node { name availableHoursPerDay channels { kind preferred projectId } } } } }"
    )
    vendors = {e["node"]["name"]: e["node"] for e in (await expect_data(database, query))["vendors"]["edges"]}
    northwind = vendors["Northwind Annotation"]
    assert northwind["availableHoursPerDay"] == 8.0
    assert [c["kind"] for c in northwind["channels"]] == ["CHAT", "MEETING", "DOCUMENT"]
    assert sum(c["preferred"] for c in northwind["channels"]) == 1 and northwind["channels"][2]["projectId"]
    assert (
        vendors["Vector Labeling Co"]["channels"] == []
        and vendors["Vector Labeling Co"]["availableHoursPerDay"] is None
    )
