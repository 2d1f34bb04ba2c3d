"""Hostile input against a live server: every case is answered as a client error naming the field and the value,
never "Unexpected error." nor HTTP 500, and never resolves to a record it does not name."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import test_database_url
from tests.server.access_world import AccessWorld
from tests.server.live_server import LiveServer, drop_database, live_server, prepare_world

CREATE_KEY = """mutation($at: DateTime) {
  createApiKey(input: {name: "k", expiresAt: $at}) { __typename ... on ValidationError { message field value } }
}"""
CREATE_KEY_LITERAL = """mutation {
  createApiKey(input: {name: "k", expiresAt: "%s"}) { __typename ... on ValidationError { message field value } }
}"""
AUDIT_SINCE = "query($since: DateTime) { auditLog(filter: {since: $since}) { totalCount } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
TASK = "query($id: ID!) { task(id: $id) { id } }"
RENAME_VENDOR = """mutation($id: ID!, $name: String!) {
  updateVendor(input: {id: $id, name: $name}) { __typename ... on VendorPayload { vendor { name } } }
}"""
DEEP_LISTS = '{"query": "query($v: JSON) { __typename }", "variables": {"v": ' + "[" * 3000 + "]" * 3000 + "}}"
DEEP_OBJECTS = '{"query": "{ __typename }", "variables": ' + '{"a":' * 3000 + "1" + "}" * 3000 + "}"
GUIDELINE_DIFF = "query($p: ID!) { guidelineDiff(projectId: $p, fromNumber: 1, toNumber: 2) { __typename } }"
RENAME_VENDOR_LITERAL = 'mutation { updateVendor(input: {id: "%s", name: "%s"}) { __typename } }'


def _raw_id(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, AccessWorld]]:
    url = test_database_url(tmp_path_factory.mktemp("inputs"))
    world = prepare_world(url)
    try:
        with live_server(url) as running:
            yield running, world
    finally:
        drop_database(url)


def _send(server: tuple[LiveServer, AccessWorld], body: str | bytes) -> httpx.Response:
    live, world = server
    headers = {**world.headers("admin"), "Content-Type": "application/json"}
    return httpx.post(live.graphql_url, content=body, headers=headers, timeout=30)


def _request(server: tuple[LiveServer, AccessWorld], query: str, variables: dict[str, Any] | None = None) -> Any:
    # ensure_ascii keeps lone surrogates and NUL as JSON escapes, as a hostile client would send them.
    response = _send(server, json.dumps({"query": query, "variables": variables or {}}, ensure_ascii=True))
    assert response.status_code == 200, response.text
    return response.json()


def _refused(body: Any, *fragments: str) -> str:
    """The first error's message, which must name each fragment; nothing masked, no data."""
    assert body.get("data") is None, body
    messages = [error["message"] for error in body["errors"]]
    assert "Unexpected error." not in messages, body
    for fragment in fragments:
        assert fragment in messages[0], messages
    return str(messages[0])


def _refused_by_name(body: Any, field: str, value: str, problem: str) -> None:
    """Refused as a typed error (a mutation's ValidationError) or a request error, naming the field and value."""
    payload = next(iter((body.get("data") or {}).values()), None)
    if payload is not None:
        assert payload["__typename"] == "ValidationError", body
        assert (payload["field"], payload["value"]) == (field, value), payload
        assert problem in payload["message"], payload
        return
    _refused(body, field, value, problem)


@pytest.mark.parametrize(
    ("query", "variables", "field", "value", "problem"),
    [
        (CREATE_KEY, {"at": "2030-01-01T00:00:00"}, "input.expiresAt", "2030-01-01T00:00:00", "time zone"),
        (CREATE_KEY_LITERAL % "2030-01-01T00:00:00", None, "input.expiresAt", "2030-01-01T00:00:00", "time zone"),
        (AUDIT_SINCE, {"since": "2030-01-01T00:00:00"}, "filter.since", "2030-01-01T00:00:00", "time zone"),
        (CREATE_KEY, {"at": "9999-12-31T23:59:59-14:00"}, "$at", "9999-12-31T23:59:59-14:00", "range"),
        (CREATE_KEY_LITERAL % "9999-12-31T23:59:59-14:00", None, "input.expiresAt", "9999-12-31T23:59:59", "range"),
        (AUDIT_SINCE, {"since": "0001-01-01T00:00:00+14:00"}, "$since", "0001-01-01T00:00:00+14:00", "range"),
    ],
    ids=["naive-key", "naive-literal", "naive-audit-since", "overflow-key", "overflow-literal", "underflow-since"],
)
def test_given_a_bad_datetime_when_sent_then_a_typed_error_names_the_field_and_value(
    server: tuple[LiveServer, AccessWorld],
    query: str,
    variables: dict[str, Any] | None,
    field: str,
    value: str,
    problem: str,
) -> None:
    _refused_by_name(_request(server, query, variables), field, value, problem)


@pytest.mark.parametrize(
    "node_id",
    ["Task:²", f"Task:{2**63}", f"Task:{2**31}", "Task:\uff10", "Task:-1", "Task:0"],
    ids=["superscript", "2^63", "2^31", "full-width-zero", "negative", "zero"],
)
@pytest.mark.parametrize("query", [NODE, TASK], ids=["node", "task"])
def test_given_a_global_id_naming_no_integer_key_when_looked_up_then_refused_naming_it(
    server: tuple[LiveServer, AccessWorld], query: str, node_id: str
) -> None:
    _refused(_request(server, query, {"id": _raw_id(node_id)}), "$id", _raw_id(node_id), "integer key")


def test_given_full_width_digits_when_looked_up_then_they_do_not_resolve_to_the_ascii_record(
    server: tuple[LiveServer, AccessWorld],
) -> None:
    _, world = server
    task = world.ids["t1"]
    assert _request(server, NODE, {"id": _raw_id(f"Task:{task}")})["data"]["node"] is not None
    full_width = "".join(chr(0xFF10 + int(digit)) for digit in str(task))  # U+FF10 is the full-width 0
    _refused(_request(server, NODE, {"id": _raw_id(f"Task:{full_width}")}), "$id", "integer key")


@pytest.mark.parametrize(
    ("name", "problem"),
    [("a\ud800b", "unpaired surrogates"), ("a\x00b", "NUL")],
    ids=["lone-surrogate", "nul"],
)
def test_given_unstorable_text_when_sent_as_variable_or_literal_then_refused_naming_the_field(
    server: tuple[LiveServer, AccessWorld], name: str, problem: str
) -> None:
    _, world = server
    vendor = world.gid("Vendor", "va")
    _refused(_request(server, RENAME_VENDOR, {"id": vendor, "name": name}), "$name", problem)
    # Written into the document, raw or as a GraphQL escape: refused by the parser or by name, never masked.
    escaped = json.dumps(name, ensure_ascii=True)[1:-1]
    for literal in (name, escaped):
        message = _refused(_request(server, RENAME_VENDOR_LITERAL % (vendor, literal)))
        assert message.startswith("Syntax Error") or ("input.name" in message and problem in message), message
    names = _request(server, "query($id: ID!) { node(id: $id) { ... on Vendor { name } } }", {"id": vendor})
    assert names["data"]["node"]["name"] == "Vendor A"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("null", "must be an object"),
        ('"x"', "must be an object"),
        ("42", "must be an object"),
        (DEEP_LISTS, "nested deeper than 64"),
        (DEEP_OBJECTS, "nested deeper than 64"),
    ],
    ids=["null", "string", "number", "lists-3000-deep", "objects-3000-deep"],
)
def test_given_a_malformed_json_body_when_posted_then_400_saying_why(
    server: tuple[LiveServer, AccessWorld], body: str, fragment: str
) -> None:
    response = _send(server, body)
    assert response.status_code == 400, response.text
    assert fragment in response.text


@pytest.mark.parametrize("role", ["admin", "labeler"])
def test_given_guideline_versions_that_do_not_exist_when_compared_then_not_found_naming_the_argument(
    server: tuple[LiveServer, AccessWorld], role: str
) -> None:
    live, world = server
    response = httpx.post(
        live.graphql_url,
        json={"query": GUIDELINE_DIFF, "variables": {"p": world.gid("Project", "p1")}},
        headers=world.headers(role),
        timeout=30,
    )

    body = response.json()
    _refused(body, "GuidelineVersion 1 does not exist")
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "fromNumber"}
