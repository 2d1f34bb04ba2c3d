"""The GraphQL endpoint through the application: queries over HTTP, offline GraphiQL, switches, error masking."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.db import Database
from server.graphql.http import localize_cdn_urls
from server.services.crud import vendors as crud_vendors
from server.settings import Settings

CREATE_VENDOR = """
mutation {
  createVendor(input: {name: "Acme", workforceType: CROWD, pricingModel: HOURLY, rate: 10}) {
    __typename ... on VendorPayload { vendor { name } } ... on UserError { message }
  }
}
"""
LIST_VENDORS = "{ vendors { totalCount edges { node { name } } } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
TYPO = "{ vendorz { totalCount } }"
DEEP = (
    "{ vendors { edges { node { labelers { edges { node { vendor { labelers { edges { node { vendor { labelers"
    " { edges { node { name } } } } } } } } } } } } } } }"
)

_SETTINGS = Settings(auth=False)


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(database, _SETTINGS) as http:
        yield http


def _client(database: Database, settings: Settings) -> httpx.AsyncClient:
    app = create_app(replace(settings, database_url=database.url), database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _post(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query})
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


async def test_a_mutation_then_a_query_over_http(client: httpx.AsyncClient) -> None:
    created = await _post(client, CREATE_VENDOR)
    listed = await _post(client, LIST_VENDORS)
    assert created == {"data": {"createVendor": {"__typename": "VendorPayload", "vendor": {"name": "Acme"}}}}
    assert listed["data"]["vendors"] == {"totalCount": 1, "edges": [{"node": {"name": "Acme"}}]}


async def test_graphiql_loads_its_assets_locally(client: httpx.AsyncClient) -> None:
    # when a browser asks for the IDE
    response = await client.get("/graphql", headers={"accept": "text/html"})
    # then the page references no CDN, only the local node_modules copies, SRI attributes intact
    assert response.status_code == 200
    page = response.text
    assert "unpkg.com" not in page
    assert 'src="/static/vendor/node_modules/graphiql/graphiql.min.js"' in page
    assert 'href="/static/vendor/node_modules/@graphiql/plugin-explorer/dist/style.css"' in page
    assert 'src="/static/vendor/node_modules/react/umd/react.production.min.js"' in page
    assert len(re.findall(r'integrity="sha384-', page)) == 7


def test_cdn_urls_keep_scoped_package_names_and_paths() -> None:
    page = (
        '<script src="https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js"></script>'
        '<link href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">'
    )
    assert localize_cdn_urls(page) == (
        '<script src="/static/vendor/node_modules/@graphiql/plugin-explorer/dist/index.umd.js"></script>'
        '<link href="/static/vendor/node_modules/graphiql/graphiql.min.css">'
    )


async def test_graphiql_can_be_switched_off(database: Database) -> None:
    async with _client(database, replace(_SETTINGS, graphiql=False)) as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


async def test_introspection_and_field_suggestions_can_be_switched_off(database: Database) -> None:
    # given a server with introspection off
    async with _client(database, replace(_SETTINGS, introspection=False)) as http:
        introspection = await _post(http, INTROSPECTION)
        typo = await _post(http, TYPO)
        normal = await _post(http, LIST_VENDORS)
    # then introspection is refused and a typo gets no suggestion that would leak field names
    assert "introspection" in introspection["errors"][0]["message"].lower()
    assert "Did you mean" not in typo["errors"][0]["message"]
    assert normal["data"]["vendors"]["totalCount"] == 0


async def test_field_suggestions_help_when_introspection_is_on(client: httpx.AsyncClient) -> None:
    typo = await _post(client, TYPO)
    assert "Did you mean" in typo["errors"][0]["message"]


async def test_unexpected_errors_are_masked(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a service failing in an unexpected way
    async def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("connection string postgres://secret@db in /srv/labelops/server/services/crud/vendors.py")

    monkeypatch.setattr(crud_vendors, "create_vendor", explode)
    # when the mutation runs
    response = await client.post("/graphql", json={"query": CREATE_VENDOR})
    # then the client sees a generic message, no detail and no stack trace
    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert ".py" not in response.text


async def test_expected_errors_are_not_masked(client: httpx.AsyncClient) -> None:
    body = await _post(client, '{ vendors(after: "bogus") { totalCount } }')
    assert body["errors"][0]["message"].startswith("after is not a valid cursor")


async def test_query_depth_is_limited(client: httpx.AsyncClient) -> None:
    body = await _post(client, DEEP)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_aliases_are_limited(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: vendors(first: 1) {{ totalCount }}" for i in range(40)) + " }"
    body = await _post(client, query)
    assert "aliases" in body["errors"][0]["message"]
