"""Attacks on the one page served without a key: the GraphiQL IDE.

A live server (uvicorn on a loopback port) on SQLite and on PostgreSQL. An unauthenticated request gets the IDE
page only when it is a GET asking for HTML with no operation in its decoded query string; every other way of
smuggling an operation in (percent-encoded names, repeated keys, `;` separators, other cases, POST or HEAD with a
query-string operation) is refused with 401, and nothing ever answers as an admin without a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.attacks.servers import database_urls
from tests.server.live_server import LiveServer, drop_database, live_server, prepare_world

OPERATION = "%7Bviewer%7Brole%7D%20users%7BtotalCount%7D%7D"  # {viewer{role} users{totalCount}}

SMUGGLED_QUERY_STRINGS = [
    f"query={OPERATION}",
    f"%71uery={OPERATION}",
    f"%71%75%65%72%79={OPERATION}",
    f"QUERY={OPERATION}",
    f"Query={OPERATION}",
    f"%20query={OPERATION}",
    f"query%20={OPERATION}",
    f"a=1&query={OPERATION}",
    f"query=&query={OPERATION}",
    f"query={OPERATION}&query=",
    f"a=1;query={OPERATION}",
    f"query={OPERATION};a=1",
    f"operationName=x&query={OPERATION}",
    "variables=%7B%7D",
    "extensions=%7B%7D",
    "%6fperationName=x",
    f"query={OPERATION}#fragment",
]
ACCEPTS = ["text/html", "*/*", "text/html,application/json", "application/json", "application/graphql-response+json"]


@pytest.fixture(scope="module", params=database_urls())
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = request.param(tmp_path_factory.mktemp("ide"))
    prepare_world(url)
    try:
        with live_server(url, LABELOPS_GRAPHIQL="1") as running:
            yield running
    finally:
        drop_database(url)


def _never_answered_as_admin(response: httpx.Response) -> None:
    assert "ADMIN" not in response.text
    assert "totalCount" not in response.text


@pytest.mark.parametrize("query_string", SMUGGLED_QUERY_STRINGS)
@pytest.mark.parametrize("accept", ACCEPTS)
def test_given_no_key_when_an_operation_hides_in_a_get_then_it_never_runs(
    server: LiveServer, query_string: str, accept: str
) -> None:
    response = httpx.get(f"{server.graphql_url}?{query_string}", headers={"Accept": accept})
    _never_answered_as_admin(response)
    if response.status_code == 200:
        # Only the page itself may come back (for query strings Strawberry would not read as an operation).
        assert response.headers["content-type"].startswith("text/html")
        assert "graphiql" in response.text.lower()
    else:
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("query_string", SMUGGLED_QUERY_STRINGS[:11])
def test_given_no_key_when_a_decoded_operation_is_present_then_401(server: LiveServer, query_string: str) -> None:
    # These all carry the parameter `query` (or another operation parameter) once decoded: never the page.
    if ";" in query_string.split("query", 1)[0]:
        pytest.skip("';' is no separator: this string carries no `query` parameter")
    response = httpx.get(f"{server.graphql_url}?{query_string}", headers={"Accept": "text/html"})
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_given_no_key_when_another_method_carries_the_operation_then_401(server: LiveServer, method: str) -> None:
    response = httpx.request(
        method,
        f"{server.graphql_url}?query={OPERATION}",
        headers={"Accept": "text/html", "Content-Type": "application/json"},
        content=b'{"query": "{ viewer { role } users { totalCount } }"}',
    )
    assert response.status_code == 401
    _never_answered_as_admin(response)


def test_given_no_key_when_opening_the_ide_then_the_page_loads_with_a_strict_policy(server: LiveServer) -> None:
    response = httpx.get(server.graphql_url, headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_given_a_bad_key_when_opening_the_ide_then_401(server: LiveServer) -> None:
    response = httpx.get(server.graphql_url, headers={"Accept": "text/html", "Authorization": "Bearer lo_nope"})
    assert response.status_code == 401


def test_given_the_ide_switched_off_when_opening_it_without_a_key_then_401(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'off.sqlite3'}"
    prepare_world(url)
    with live_server(url, LABELOPS_GRAPHIQL="0") as running:
        for query_string in ("", f"?%71uery={OPERATION}"):
            response = httpx.get(f"{running.graphql_url}{query_string}", headers={"Accept": "text/html"})
            assert response.status_code == 401
            _never_answered_as_admin(response)
