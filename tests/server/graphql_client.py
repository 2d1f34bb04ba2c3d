"""Test helpers: run operations against the schema on a test database, and build small workspaces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.db import Database
from server.graphql import Context, schema
from server.settings import Settings

__all__ = ["Workspace", "build_workspace", "execute", "expect_data", "mutate_ok"]


async def execute(
    database: Database, query: str, variables: dict[str, Any] | None = None, *, settings: Settings | None = None
) -> Any:
    """The raw execution result of one operation, with a fresh request context."""
    context = Context(database, settings or Settings())
    return await schema.execute(query, variable_values=variables, context_value=context)


async def expect_data(database: Database, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data of an operation that must succeed without GraphQL errors."""
    result = await execute(database, query, variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def mutate_ok(database: Database, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
    """The payload of a mutation that must return its success type."""
    data = await expect_data(database, query, variables)
    payload = data[field]
    assert not payload["__typename"].endswith("Error"), payload
    return payload


CREATE_VENDOR = """
mutation($input: CreateVendorInput!) {
  createVendor(input: $input) { __typename ... on VendorPayload { vendor { id name } } }
}
"""
ADVANCE_VENDOR = """
mutation($input: AdvanceVendorStatusInput!) {
  advanceVendorStatus(input: $input) { __typename ... on UserError { message } }
}
"""
CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) { __typename ... on ProjectPayload { project { id name } } }
}
"""
ASSIGN_VENDORS = """
mutation($input: ProjectVendorsInput!) {
  assignProjectVendors(input: $input) { __typename ... on UserError { message } }
}
"""
ASSIGN_LABELERS = """
mutation($input: ProjectLabelersInput!) {
  assignProjectLabelers(input: $input) { __typename ... on UserError { message } }
}
"""
CREATE_LABELER = """
mutation($input: CreateLabelerInput!) {
  createLabeler(input: $input) { __typename ... on LabelerPayload { labeler { id name } } }
}
"""
ADVANCE_LABELER = """
mutation($input: AdvanceLabelerStageInput!) {
  advanceLabelerStage(input: $input) { __typename ... on UserError { message } }
}
"""
CREATE_TASKS = """
mutation($input: CreateTasksInput!) {
  createTasks(input: $input) { __typename ... on TasksPayload { tasks { id externalId } } }
}
"""


class Workspace:
    """Global ids of a small workspace: one onboarded vendor, one active project, labelers in production."""

    def __init__(self) -> None:
        self.vendor = ""
        self.project = ""
        self.labelers: list[str] = []
        self.tasks: list[str] = []


async def create_vendor(database: Database, name: str, **overrides: Any) -> str:
    values = {"name": name, "workforceType": "CROWD", "pricingModel": "HOURLY", "rate": 10.0, **overrides}
    payload = await mutate_ok(database, CREATE_VENDOR, {"input": values}, "createVendor")
    return str(payload["vendor"]["id"])


async def onboard_vendor(database: Database, vendor: str) -> None:
    trial = {"vendorId": vendor, "toStatus": "TRIAL"}
    await mutate_ok(database, ADVANCE_VENDOR, {"input": trial}, "advanceVendorStatus")
    moved = {"vendorId": vendor, "toStatus": "ONBOARDED", "trialQuality": 0.9}
    await mutate_ok(database, ADVANCE_VENDOR, {"input": moved}, "advanceVendorStatus")


async def create_project(database: Database, name: str, **overrides: Any) -> str:
    values = {"name": name, "dataType": "IMAGE", "status": "ACTIVE", **overrides}
    payload = await mutate_ok(database, CREATE_PROJECT, {"input": values}, "createProject")
    return str(payload["project"]["id"])


async def create_labeler(database: Database, vendor: str, name: str, *, production: bool = True) -> str:
    payload = await mutate_ok(database, CREATE_LABELER, {"input": {"vendorId": vendor, "name": name}}, "createLabeler")
    labeler = str(payload["labeler"]["id"])
    if production:
        for _ in range(4):  # HIRING -> PLATFORM_TRAINING -> PROJECT_TRAINING -> TESTING -> PRODUCTION
            await mutate_ok(database, ADVANCE_LABELER, {"input": {"labelerId": labeler}}, "advanceLabelerStage")
    return labeler


async def build_workspace(
    database: Database, *, labelers: int = 2, tasks: int = 2, review_share: float = 1.0, ontology: Any = None
) -> Workspace:
    """A vendor on a project with `labelers` production labelers as members and `tasks` tasks (and `ontology`,
    when given)."""
    workspace = Workspace()
    workspace.vendor = await create_vendor(database, "Acme Labeling")
    await onboard_vendor(database, workspace.vendor)
    typed = {} if ontology is None else {"ontology": ontology}
    workspace.project = await create_project(database, "Street scenes", reviewShare=review_share, **typed)
    await mutate_ok(
        database,
        ASSIGN_VENDORS,
        {"input": {"projectId": workspace.project, "vendorIds": [workspace.vendor]}},
        "assignProjectVendors",
    )
    workspace.labelers = [await create_labeler(database, workspace.vendor, f"Labeler {i}") for i in range(labelers)]
    if workspace.labelers:
        members = {"projectId": workspace.project, "labelerIds": workspace.labelers}
        await mutate_ok(database, ASSIGN_LABELERS, {"input": members}, "assignProjectLabelers")
    if tasks:
        # created two hours ago, so tests can submit labels started in the last hour
        created = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
        items = [{"externalId": f"asset-{i}", "createdAt": created} for i in range(tasks)]
        payload = await mutate_ok(
            database, CREATE_TASKS, {"input": {"projectId": workspace.project, "tasks": items}}, "createTasks"
        )
        workspace.tasks = [str(task["id"]) for task in payload["tasks"]]
    return workspace
