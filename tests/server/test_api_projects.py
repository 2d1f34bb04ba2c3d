"""Project operations over GraphQL: create, update, archive, assigning vendors and labelers, filters."""

from __future__ import annotations

import pytest

from server.db import Database
from tests.server.graphql_client import (
    build_workspace,
    create_labeler,
    create_project,
    create_vendor,
    expect_data,
    mutate_ok,
    onboard_vendor,
)

CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) {
    __typename
    ... on ProjectPayload {
      project {
        id name dataType status ontology sla { turnaroundHours targetShare } consensus { labelsPerTask coverage }
      }
    }
    ... on UserError { message field }
  }
}
"""
UPDATE_PROJECT = """
mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) {
    __typename
    ... on ProjectPayload { project { name status budget deadline reviewShare } }
    ... on InvalidTransitionError { current target }
    ... on UserError { message field }
  }
}
"""
ARCHIVE_PROJECT = """
mutation($id: ID!) { archiveProject(id: $id) { __typename ... on UserError { message } } }
"""
ASSIGN_VENDORS = """
mutation($input: ProjectVendorsInput!) {
  assignProjectVendors(input: $input) {
    __typename
    ... on ProjectPayload { project { vendors { name } } }
    ... on UserError { message field }
  }
}
"""
UNASSIGN_VENDORS = """
mutation($input: ProjectVendorsInput!) {
  unassignProjectVendors(input: $input) {
    __typename
    ... on ProjectPayload { project { vendors { name } } }
    ... on UserError { message field }
  }
}
"""
ASSIGN_LABELERS = """
mutation($input: ProjectLabelersInput!) {
  assignProjectLabelers(input: $input) {
    __typename
    ... on ProjectPayload { project { labelers { totalCount edges { node { name } } } } }
    ... on UserError { message field }
  }
}
"""
UNASSIGN_LABELERS = """
mutation($input: ProjectLabelersInput!) {
  unassignProjectLabelers(input: $input) {
    __typename
    ... on ProjectPayload { project { labelers { totalCount } } }
    ... on UserError { message field }
  }
}
"""
LIST_PROJECTS = """
query($filter: ProjectFilter, $includeArchived: Boolean! = false) {
  projects(filter: $filter, includeArchived: $includeArchived) { totalCount edges { node { name } } }
}
"""

VALID = {"name": "Street scenes", "dataType": "IMAGE"}


async def test_create_project_with_defaults_and_ontology(database: Database) -> None:
    # given a project with an ontology and an SLA
    values = {**VALID, "ontology": {"classes": ["car", "bike"]}, "slaTurnaroundHours": 24, "consensusLabelsPerTask": 3}
    # when it is created
    payload = await mutate_ok(database, CREATE_PROJECT, {"input": values}, "createProject")
    # then its settings come back grouped
    project = payload["project"]
    assert project["status"] == "DRAFT"
    assert project["ontology"] == {"classes": ["car", "bike"]}
    assert project["sla"] == {"turnaroundHours": 24.0, "targetShare": 0.95}
    assert project["consensus"] == {"labelsPerTask": 3, "coverage": 0.0}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"name": ""}, "input.name"),
        ({"qualityTarget": 1.2}, "input.qualityTarget"),
        ({"slaTargetShare": -0.1}, "input.slaTargetShare"),
        ({"reviewShare": 2.0}, "input.reviewShare"),
        ({"slaTurnaroundHours": 0}, "input.slaTurnaroundHours"),
        ({"budget": -5.0}, "input.budget"),
        ({"currency": "DOLLARS"}, "input.currency"),
        ({"consensusLabelsPerTask": 0}, "input.consensusLabelsPerTask"),
        ({"ontology": [1, 2]}, "input.ontology"),
        ({"deadline": "2030-01-01T00:00:00"}, "input.deadline"),
    ],
)
async def test_create_project_refuses_bad_values(database: Database, override: dict[str, object], field: str) -> None:
    data = await expect_data(database, CREATE_PROJECT, {"input": {**VALID, **override}})
    assert data["createProject"]["__typename"] == "ValidationError"
    assert data["createProject"]["field"] == field
    assert (await expect_data(database, LIST_PROJECTS, {"includeArchived": True}))["projects"]["totalCount"] == 0


async def test_update_project_settings(database: Database) -> None:
    project = await create_project(database, "Street scenes")
    changes = {"id": project, "budget": 12000.0, "deadline": "2030-06-30T12:00:00+02:00", "reviewShare": 0.25}
    payload = await mutate_ok(database, UPDATE_PROJECT, {"input": changes}, "updateProject")
    assert payload["project"]["budget"] == 12000.0
    assert payload["project"]["deadline"] == "2030-06-30T10:00:00+00:00"
    assert payload["project"]["reviewShare"] == 0.25


async def test_completed_project_cannot_be_reopened(database: Database) -> None:
    # given a completed project
    project = await create_project(database, "Done", status="COMPLETED")
    # when it is set back to ACTIVE
    data = await expect_data(database, UPDATE_PROJECT, {"input": {"id": project, "status": "ACTIVE"}})
    # then the transition is refused
    assert data["updateProject"]["__typename"] == "InvalidTransitionError"
    assert (data["updateProject"]["current"], data["updateProject"]["target"]) == ("COMPLETED", "ACTIVE")


async def test_update_and_archive_unknown_project(database: Database) -> None:
    missing = "UHJvamVjdDo0Mg=="  # Project:42
    updated = await expect_data(database, UPDATE_PROJECT, {"input": {"id": missing, "name": "x"}})
    archived = await expect_data(database, ARCHIVE_PROJECT, {"id": missing})
    assert updated["updateProject"]["__typename"] == "NotFoundError"
    assert archived["archiveProject"]["__typename"] == "NotFoundError"


async def test_archived_projects_are_hidden_by_default(database: Database) -> None:
    await create_project(database, "Live")
    gone = await create_project(database, "Gone")
    await mutate_ok(database, ARCHIVE_PROJECT, {"id": gone}, "archiveProject")
    default = await expect_data(database, LIST_PROJECTS)
    everything = await expect_data(database, LIST_PROJECTS, {"includeArchived": True})
    assert [edge["node"]["name"] for edge in default["projects"]["edges"]] == ["Live"]
    assert everything["projects"]["totalCount"] == 2


async def test_assign_and_unassign_vendors(database: Database) -> None:
    # given two onboarded vendors and a project
    first = await create_vendor(database, "Alpha")
    second = await create_vendor(database, "Beta")
    for vendor in (first, second):
        await onboard_vendor(database, vendor)
    project = await create_project(database, "Street scenes")
    # when both are assigned, then one is taken off
    assigned = await mutate_ok(
        database,
        ASSIGN_VENDORS,
        {"input": {"projectId": project, "vendorIds": [first, second]}},
        "assignProjectVendors",
    )
    removed = await mutate_ok(
        database, UNASSIGN_VENDORS, {"input": {"projectId": project, "vendorIds": [first]}}, "unassignProjectVendors"
    )
    # then the project lists them accordingly, and the vendor filter agrees
    assert assigned["project"]["vendors"] == [{"name": "Alpha"}, {"name": "Beta"}]
    assert removed["project"]["vendors"] == [{"name": "Beta"}]
    on_beta = await expect_data(database, LIST_PROJECTS, {"filter": {"vendorId": second}})
    assert on_beta["projects"]["totalCount"] == 1


async def test_assigning_a_vendor_twice_writes_nothing(database: Database) -> None:
    # given a vendor already on a project and another vendor not yet on it
    workspace = await build_workspace(database, labelers=0, tasks=0)
    newcomer = await create_vendor(database, "Newcomer")
    await onboard_vendor(database, newcomer)
    # when both are assigned in one call
    both = {"projectId": workspace.project, "vendorIds": [newcomer, workspace.vendor]}
    data = await expect_data(database, ASSIGN_VENDORS, {"input": both})
    # then the duplicate is a conflict and the newcomer was not assigned either (one transaction)
    assert data["assignProjectVendors"]["__typename"] == "ConflictError"
    projects = await expect_data(database, LIST_PROJECTS, {"filter": {"vendorId": newcomer}})
    assert projects["projects"]["totalCount"] == 0


async def test_assign_unknown_vendor_is_not_found(database: Database) -> None:
    project = await create_project(database, "Street scenes")
    data = await expect_data(database, ASSIGN_VENDORS, {"input": {"projectId": project, "vendorIds": ["VmVuZG9yOjQy"]}})
    assert data["assignProjectVendors"]["__typename"] == "NotFoundError"


async def test_assign_and_unassign_labelers(database: Database) -> None:
    # given a project with its vendor and a labeler of that vendor who is not a member yet
    workspace = await build_workspace(database, labelers=1, tasks=0)
    newcomer = await create_labeler(database, workspace.vendor, "Newcomer", production=False)
    # when the newcomer is assigned and the first labeler unassigned
    members = {"projectId": workspace.project, "labelerIds": [newcomer]}
    assigned = await mutate_ok(database, ASSIGN_LABELERS, {"input": members}, "assignProjectLabelers")
    leaving = {"projectId": workspace.project, "labelerIds": [workspace.labelers[0]]}
    removed = await mutate_ok(database, UNASSIGN_LABELERS, {"input": leaving}, "unassignProjectLabelers")
    # then membership follows
    assert assigned["project"]["labelers"]["totalCount"] == 2
    assert removed["project"]["labelers"]["totalCount"] == 1


async def test_labeler_of_a_vendor_not_on_the_project_cannot_join(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=0)
    outsider_vendor = await create_vendor(database, "Outsider")
    outsider = await create_labeler(database, outsider_vendor, "Olga", production=False)
    data = await expect_data(
        database, ASSIGN_LABELERS, {"input": {"projectId": workspace.project, "labelerIds": [outsider]}}
    )
    assert data["assignProjectLabelers"]["__typename"] == "ValidationError"
    assert data["assignProjectLabelers"]["field"] == "input.labelerId"


async def test_unassigning_a_non_member_is_refused(database: Database) -> None:
    workspace = await build_workspace(database, labelers=0, tasks=0)
    stranger = await create_labeler(database, workspace.vendor, "Stan", production=False)
    data = await expect_data(
        database, UNASSIGN_LABELERS, {"input": {"projectId": workspace.project, "labelerIds": [stranger]}}
    )
    assert data["unassignProjectLabelers"]["__typename"] == "ValidationError"
