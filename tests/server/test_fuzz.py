"""Schema-driven fuzzing of the running GraphQL endpoint with schemathesis: every query and mutation, with
generated arguments, as an admin and as a labeler; no response may be a server error or carry a stack trace.

Bounded: a few examples per operation (about 60 operations), so the whole run takes well under a minute."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.graphql import nodes  # noqa: E402

from tests.conftest import test_database_url  # noqa: E402
from tests.server.live_server import drop_database, live_server, prepare_world  # noqa: E402

# Runs on the configured server database too (the PostgreSQL pass selects `database` tests).
pytestmark = pytest.mark.database

EXAMPLES_PER_OPERATION = {"admin": 5, "labeler": 2}
_STACK_TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "asyncpg.exceptions")

_datetimes = st.datetimes(timezones=st.just(UTC)).map(lambda value: value.isoformat())
schemathesis.graphql.scalar("DateTime", st.one_of(_datetimes, st.text(max_size=20)).map(nodes.String))
schemathesis.graphql.scalar("Date", st.one_of(st.dates().map(str), st.text(max_size=12)).map(nodes.String))
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    ),
)


def _fuzz(operation: object, headers: dict[str, str], examples: int, label: str) -> tuple[int, list[str]]:
    """Send `examples` generated cases of one operation; (cases sent, failures)."""
    cases = 0
    failures: list[str] = []

    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: object) -> None:
        nonlocal cases
        response = case.call(headers=headers, timeout=30)  # type: ignore[attr-defined]
        cases += 1
        body = response.text
        if response.status_code >= 500 or any(marker in body for marker in _STACK_TRACE_MARKERS):
            failures.append(f"{label}: {response.status_code} {body[:300]}")

    check()
    return cases, failures


def test_given_generated_operations_when_sent_to_the_server_then_no_server_error_and_no_stack_trace(
    tmp_path: Path,
) -> None:
    url = test_database_url(tmp_path)
    world = prepare_world(url)
    cases = 0
    failures: list[str] = []
    try:
        with live_server(url) as server:
            for role, examples in EXAMPLES_PER_OPERATION.items():
                headers = world.headers(role)
                schema = schemathesis.graphql.from_url(server.graphql_url, headers=headers)
                for result in schema.get_all_operations():
                    operation = result.ok()
                    sent, failed = _fuzz(operation, headers, examples, f"{role} {operation.label}")
                    cases += sent
                    failures += failed
    finally:
        drop_database(url)
    print(f"fuzz cases run: {cases}")
    assert cases > 100
    assert failures == []
