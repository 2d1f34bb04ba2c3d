"""Query limits: cost, depth, page size, introspection and suggestions off, GraphiQL off, rate limit, timeout."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from server.auth.guard import AccessGuard
from server.auth.limits import RateLimiter
from server.db import Database
from server.settings import Settings
from tests.server.conftest import http_client

VENDORS = "query($n: Int) { vendors(first: $n) { edges { node { id name } } } }"


async def _post(client: httpx.AsyncClient, query: str, **variables: object) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables})


async def test_given_a_cost_limit_when_a_query_asks_for_too_large_pages_then_it_is_refused_before_running(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database, api_headers, max_query_cost=100) as client:
        cheap = await _post(client, VENDORS, n=10)
        costly = await _post(client, VENDORS, n=100)
        default_page = await _post(client, "{ vendors { edges { node { id name } } } }")
    assert "errors" not in cheap.json()
    for response in (costly, default_page):
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["extensions"]["cost"] > 100 == error["extensions"]["maxCost"]


async def test_given_cached_validation_when_one_document_comes_with_other_page_sizes_then_each_is_costed(
    database: Database, api_headers: dict[str, str]
) -> None:
    # Validation results are cached per document and rules; the page-size variables are part of the cost rule.
    async with http_client(database, api_headers, max_query_cost=100) as client:
        outcomes = [await _post(client, VENDORS, n=n) for n in (100, 10, 100, 10)]
    refused = ["errors" in response.json() for response in outcomes]
    assert refused == [True, False, True, False]


async def test_given_nested_connections_when_costed_then_the_pages_multiply(
    database: Database, api_headers: dict[str, str]
) -> None:
    nested = "{ projects(first: 100) { edges { node { labelers(first: 100) { edges { node { id } } } } } } }"
    async with http_client(database, api_headers, max_query_cost=10_000) as client:
        error = (await _post(client, nested)).json()["errors"][0]
    # 1 + 100 * (1 + 1 + (1 + 100 * (1 + 1 + 1)))
    assert error["extensions"]["cost"] == 1 + 100 * (3 + 100 * 3)


async def test_given_a_too_deep_query_or_too_large_page_when_sent_then_a_clear_error_comes_back(
    admin_client: httpx.AsyncClient,
) -> None:
    level = "labelers(first: 1) { edges { node { vendor { %s } } } }"
    deep = "{ " + level % (level % (level % (level % "id"))) + " }"
    response = await _post(admin_client, deep)
    assert "depth" in response.json()["errors"][0]["message"]
    too_large = await _post(admin_client, VENDORS, n=1000)
    assert "first must be between 0 and 100" in too_large.json()["errors"][0]["message"]


async def test_given_production_settings_when_probing_the_schema_then_introspection_suggestions_and_ide_are_off(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database, api_headers, introspection=False, graphiql=False) as client:
        introspection = await _post(client, "{ __schema { types { name } } }")
        typo = await _post(client, "{ vendorz { totalCount } }")
        page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert "Did you mean" not in typo.text and "vendors" not in typo.text
    assert page.status_code != 200 or "graphiql" not in page.text.lower()


async def test_given_a_rate_limit_when_a_key_exceeds_its_burst_then_429_with_retry_after(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database, api_headers, rate_limit_per_second=0.01, rate_limit_burst=2) as client:
        statuses = [(await _post(client, "{ viewer { role } }")).status_code for _ in range(3)]
        limited = await _post(client, "{ viewer { role } }")
    assert statuses == [200, 200, 429]
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_given_a_token_bucket_when_time_passes_then_tokens_refill_up_to_the_burst() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k") == pytest.approx(0.5)
    assert limiter.take("other") == 0.0  # buckets are per key
    now[0] += 10.0
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k") > 0
    with pytest.raises(ValueError, match="rate must be > 0"):
        RateLimiter(rate=0, burst=1)


async def test_given_a_request_outliving_the_timeout_when_guarded_then_504_json(database: Database) -> None:
    async def slow_app(scope: object, receive: object, send: object) -> None:
        await asyncio.sleep(5)

    guard = AccessGuard(slow_app, database, Settings(auth=False, request_timeout_seconds=0.05))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://test") as client:
        response = await client.post("/graphql", json={"query": "{ viewer { role } }"})
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
