"""Relay pagination and lookups: cursors, page-size cap, backwards pages, node(id:) and typed lookups."""

from __future__ import annotations

import base64

import pytest

from server.db import Database
from tests.server.graphql_client import create_vendor, execute, expect_data

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String) {
  vendors(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""
NESTED_PAGE = """
query($first: Int, $after: String) {
  vendors(first: 1) { edges { node { labelers(first: $first, after: $after) { totalCount } } } }
}
"""
NODE = """
query($id: ID!) { node(id: $id) { __typename id ... on Vendor { name } } }
"""
NODES = """
query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Vendor { name } } }
"""
VENDOR = """
query($id: ID!) { vendor(id: $id) { name } }
"""


async def _vendors(database: Database, count: int) -> list[str]:
    return [await create_vendor(database, f"Vendor {i:02d}") for i in range(count)]


def _names(data: dict[str, object]) -> list[str]:
    connection = data["vendors"]
    assert isinstance(connection, dict)
    return [edge["node"]["name"] for edge in connection["edges"]]


async def test_forward_pages_follow_the_end_cursor(database: Database) -> None:
    # given five vendors
    await _vendors(database, 5)
    # when paged two at a time
    first = await expect_data(database, PAGE, {"first": 2})
    second = await expect_data(database, PAGE, {"first": 2, "after": first["vendors"]["pageInfo"]["endCursor"]})
    third = await expect_data(database, PAGE, {"first": 2, "after": second["vendors"]["pageInfo"]["endCursor"]})
    # then the pages partition the list in order, with page info to match
    assert [_names(page) for page in (first, second, third)] == [
        ["Vendor 00", "Vendor 01"],
        ["Vendor 02", "Vendor 03"],
        ["Vendor 04"],
    ]
    assert first["vendors"]["totalCount"] == 5
    assert first["vendors"]["pageInfo"]["hasNextPage"] is True
    assert first["vendors"]["pageInfo"]["hasPreviousPage"] is False
    assert third["vendors"]["pageInfo"]["hasNextPage"] is False
    assert third["vendors"]["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize(
    ("first", "offset", "names", "has_next"),
    [
        (2, None, ["Vendor 00", "Vendor 01"], True),
        (None, None, [f"Vendor {i:02d}" for i in range(5)], False),
        (2, 3, ["Vendor 04"], False),  # a partial last page
        (2, 4, [], False),  # past the end: no row carries the total
        (0, None, [], True),
    ],
)
async def test_forward_pages_count_every_row_whatever_they_hold(
    database: Database, first: int | None, offset: int | None, names: list[str], has_next: bool
) -> None:
    # given five vendors
    await _vendors(database, 5)
    # when a forward page is asked for (its total is read with its rows, or apart when it has none)
    after = None if offset is None else base64.b64encode(f"offset:{offset}".encode()).decode()
    data = await expect_data(database, PAGE, {"first": first, "after": after})
    # then it holds its rows and counts them all
    assert _names(data) == names
    assert data["vendors"]["totalCount"] == 5
    assert data["vendors"]["pageInfo"]["hasNextPage"] is has_next


async def test_backward_pages_with_last_and_before(database: Database) -> None:
    await _vendors(database, 5)
    tail = await expect_data(database, PAGE, {"last": 2})
    before = await expect_data(database, PAGE, {"last": 2, "before": tail["vendors"]["pageInfo"]["startCursor"]})
    assert _names(tail) == ["Vendor 03", "Vendor 04"]
    assert _names(before) == ["Vendor 01", "Vendor 02"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.b64encode(b"offset:-1").decode(),
        base64.b64encode(b"arrayconnection:3").decode(),
        base64.b64encode(b"offset:abc").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        "",
    ],
)
@pytest.mark.parametrize("argument", ["after", "before"])
async def test_malformed_cursors_are_refused_with_a_clear_message(
    database: Database, cursor: str, argument: str
) -> None:
    await _vendors(database, 1)
    result = await execute(database, PAGE, {argument: cursor})
    assert result.errors is not None
    error = result.errors[0]
    assert error.message.startswith(f"{argument} is not a valid cursor")
    assert error.extensions == {"code": "VALIDATION_FAILED", "field": argument}
    assert "Traceback" not in error.message


@pytest.mark.parametrize(("argument", "size"), [("first", 101), ("last", 500), ("first", -1)])
async def test_page_size_is_capped_at_100(database: Database, argument: str, size: int) -> None:
    result = await execute(database, PAGE, {argument: size})
    assert result.errors is not None
    assert result.errors[0].message == f"{argument} must be between 0 and 100, got {size}"


async def test_page_size_of_exactly_100_is_allowed(database: Database) -> None:
    await _vendors(database, 1)
    assert _names(await expect_data(database, PAGE, {"first": 100})) == ["Vendor 00"]


async def test_nested_connections_validate_their_arguments_too(database: Database) -> None:
    await _vendors(database, 1)
    too_many = await execute(database, NESTED_PAGE, {"first": 1000})
    bad_cursor = await execute(database, NESTED_PAGE, {"after": "nope"})
    assert too_many.errors is not None and "first must be between 0 and 100" in too_many.errors[0].message
    assert bad_cursor.errors is not None and "after is not a valid cursor" in bad_cursor.errors[0].message


async def test_node_resolves_any_global_id(database: Database) -> None:
    (vendor,) = await _vendors(database, 1)
    data = await expect_data(database, NODE, {"id": vendor})
    assert data["node"] == {"__typename": "Vendor", "id": vendor, "name": "Vendor 00"}


async def test_node_of_a_missing_record_or_unknown_type_is_null(database: Database) -> None:
    missing = base64.b64encode(b"Vendor:999").decode()
    unknown_type = base64.b64encode(b"Spaceship:1").decode()
    not_a_node = base64.b64encode(b"Query:1").decode()
    data = await expect_data(database, NODES, {"ids": [missing, unknown_type, not_a_node]})
    assert data["nodes"] == [None, None, None]


async def test_malformed_global_id_is_refused(database: Database) -> None:
    result = await execute(database, NODE, {"id": "%%%"})
    assert result.errors is not None
    assert "Traceback" not in result.errors[0].message


async def test_typed_lookup_refuses_an_id_of_another_type(database: Database) -> None:
    result = await execute(database, VENDOR, {"id": base64.b64encode(b"Project:1").decode()})
    assert result.errors is not None
    assert result.errors[0].message == "id must be the id of a Vendor, got 'UHJvamVjdDox'"
    missing = await expect_data(database, VENDOR, {"id": base64.b64encode(b"Vendor:7").decode()})
    assert missing == {"vendor": None}
