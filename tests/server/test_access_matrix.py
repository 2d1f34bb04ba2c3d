"""The README's permission matrix, cell by cell: what each role sees through connections, node lookups and nested
edges, which vendor prices and gold answers it sees, and which mutations it may call on which records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.db import Database
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.conftest import http_client

ROLES = ("admin", "pm", "vm", "reviewer", "labeler")

LIST = """
query {
  vendors { edges { node { name } } }
  projects { edges { node { name } } }
  labelers { edges { node { name } } }
  tasks { edges { node { externalId } } }
  labels { edges { node { answer } } }
  reviews { totalCount }
  issues { edges { node { title } } }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
PROJECT_EDGES = """
query($id: ID!) {
  project(id: $id) { vendors { name } labelers { edges { node { name } } } tasks { edges { node { externalId } } } }
}
"""
TASK_PAGE_LABELS = "query { tasks { totalCount edges { node { externalId labels { answer } } } } }"
VENDOR_PRICES = "query { vendors { edges { node { name rate } } } }"
GOLD = "query($id: ID!) { task(id: $id) { externalId goldAnswer } }"

# role -> (vendors, projects, labelers, tasks, label answers "c", reviews, issues)
VISIBLE: dict[str, tuple[set[str], set[str], set[str], set[str], set[int], int, set[str]]] = {
    "admin": (
        {"Vendor A", "Vendor B"},
        {"P1", "P2"},
        {"a1", "r1", "b1", "b2"},
        {"t1", "t2", "t3"},
        {1, 2, 3},
        1,
        {"unclear", "blurry", "late"},
    ),
    "pm": ({"Vendor A", "Vendor B"}, {"P1"}, {"a1", "r1", "b2"}, {"t1", "t3"}, {1, 3}, 1, {"unclear", "late"}),
    "vm": ({"Vendor A"}, {"P1"}, {"a1", "r1"}, {"t1", "t3"}, {1}, 1, {"unclear"}),
    "reviewer": ({"Vendor A", "Vendor B"}, {"P1"}, {"a1", "r1", "b2"}, {"t1", "t3"}, {1, 3}, 1, {"unclear", "late"}),
    "labeler": ({"Vendor A"}, {"P1"}, {"a1", "r1"}, {"t1", "t3"}, {1}, 1, {"unclear"}),
}


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database) as http:
        yield http


async def run(client: httpx.AsyncClient, world: AccessWorld, role: str, query: str, **variables: Any) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=world.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def names(connection: dict[str, Any], key: str) -> set[Any]:
    return {edge["node"][key] for edge in connection["edges"]}


@pytest.mark.parametrize("role", ROLES)
async def test_given_a_role_when_listing_every_connection_then_only_its_scope_comes_back(
    client: httpx.AsyncClient, world: AccessWorld, role: str
) -> None:
    body = await run(client, world, role, LIST)
    assert "errors" not in body, body
    data = body["data"]
    vendors, projects, labelers, tasks, answers, reviews, issues = VISIBLE[role]
    assert names(data["vendors"], "name") == vendors
    assert names(data["projects"], "name") == projects
    assert names(data["labelers"], "name") == labelers
    assert names(data["tasks"], "externalId") == tasks
    assert {edge["node"]["answer"]["c"] for edge in data["labels"]["edges"]} == answers
    assert data["reviews"]["totalCount"] == reviews
    assert names(data["issues"], "title") == issues


@pytest.mark.parametrize("role", ROLES)
async def test_given_a_role_when_a_task_page_reads_its_labels_then_only_labels_in_its_scope_come_back(
    client: httpx.AsyncClient, world: AccessWorld, role: str
) -> None:
    # The page reads its tasks' labels itself, in one statement, instead of through the labels' DataLoader.
    body = await run(client, world, role, TASK_PAGE_LABELS)
    assert "errors" not in body, body
    _vendors, _projects, _labelers, tasks, answers, _reviews, _issues = VISIBLE[role]
    edges = body["data"]["tasks"]["edges"]
    assert {edge["node"]["externalId"] for edge in edges} == tasks
    assert body["data"]["tasks"]["totalCount"] == len(tasks)  # counted in the page's statement, scoped like it
    assert {label["answer"]["c"] for edge in edges for label in edge["node"]["labels"]} == answers


NODE_CELLS = [
    # (role, type, record, visible)
    ("pm", "Project", "p2", False),
    ("pm", "Label", "l3", True),
    ("pm", "Vendor", "vb", True),
    ("vm", "Vendor", "vb", False),
    ("vm", "Labeler", "b2", False),
    ("vm", "Label", "l3", False),
    ("vm", "Task", "t2", False),
    ("reviewer", "Label", "l2", False),
    ("reviewer", "Issue", "i2", False),
    ("reviewer", "Label", "l3", True),
    ("labeler", "Label", "l3", False),
    ("labeler", "Labeler", "b2", False),
    ("labeler", "Review", "rv1", True),
    ("labeler", "User", "user:admin", False),
    ("labeler", "User", "user:labeler", True),
    ("admin", "Label", "l2", True),
    ("admin", "User", "user:labeler", True),
]


@pytest.mark.parametrize(("role", "type_name", "record", "expected"), NODE_CELLS)
async def test_given_a_role_when_looking_up_a_node_by_id_then_records_outside_its_scope_are_null(
    client: httpx.AsyncClient, world: AccessWorld, role: str, type_name: str, record: str, expected: bool
) -> None:
    body = await run(client, world, role, NODE, id=world.gid(type_name, record))
    assert "errors" not in body, body
    assert (body["data"]["node"] is not None) is expected


@pytest.mark.parametrize(
    ("role", "vendors", "labelers"),
    [
        ("admin", {"Vendor A", "Vendor B"}, {"a1", "r1", "b2"}),
        ("pm", {"Vendor A", "Vendor B"}, {"a1", "r1", "b2"}),
        ("vm", {"Vendor A"}, {"a1", "r1"}),
        ("reviewer", {"Vendor A", "Vendor B"}, {"a1", "r1", "b2"}),
        # A labeler sees its own membership only, not its colleagues'.
        ("labeler", {"Vendor A"}, {"a1"}),
    ],
)
async def test_given_a_role_when_following_project_edges_then_nested_records_are_scoped_too(
    client: httpx.AsyncClient, world: AccessWorld, role: str, vendors: set[str], labelers: set[str]
) -> None:
    body = await run(client, world, role, PROJECT_EDGES, id=world.gid("Project", "p1"))
    assert "errors" not in body, body
    project = body["data"]["project"]
    assert {vendor["name"] for vendor in project["vendors"]} == vendors
    assert names(project["labelers"], "name") == labelers
    assert names(project["tasks"], "externalId") == {"t1", "t3"}


@pytest.mark.parametrize(
    ("role", "priced"),
    [("admin", {"Vendor A", "Vendor B"}), ("pm", {"Vendor A", "Vendor B"}), ("vm", {"Vendor A"})],
)
async def test_given_a_role_with_prices_when_listing_vendors_then_it_sees_the_rates_of_its_vendors(
    client: httpx.AsyncClient, world: AccessWorld, role: str, priced: set[str]
) -> None:
    body = await run(client, world, role, VENDOR_PRICES)
    assert "errors" not in body, body
    assert {edge["node"]["name"] for edge in body["data"]["vendors"]["edges"]} == priced


@pytest.mark.parametrize("role", ["reviewer", "labeler"])
async def test_given_a_role_without_prices_when_asking_for_a_rate_then_the_field_is_forbidden(
    client: httpx.AsyncClient, world: AccessWorld, role: str
) -> None:
    body = await run(client, world, role, VENDOR_PRICES)
    assert body["errors"], body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"FORBIDDEN"}
    assert all("Traceback" not in error["message"] for error in body["errors"])


@pytest.mark.parametrize(
    ("role", "sees_gold"), [("admin", True), ("pm", True), ("reviewer", True), ("vm", False), ("labeler", False)]
)
async def test_given_a_benchmark_task_when_a_role_reads_it_then_only_the_program_side_sees_the_gold_answer(
    client: httpx.AsyncClient, world: AccessWorld, role: str, sees_gold: bool
) -> None:
    body = await run(client, world, role, GOLD, id=world.gid("Task", "t3"))
    assert "errors" not in body, body
    assert (body["data"]["task"]["goldAnswer"] is not None) is sees_gold
