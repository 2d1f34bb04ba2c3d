"""Schema-driven fuzzing of the running GraphQL endpoint with schemathesis: every query and mutation, with
generated arguments, as an admin and as a labeler; no response may be a server error, carry a stack trace, or
hold a masked error ("Unexpected error.": a resolver that crashed, which MaskErrors answers with HTTP 200).

Bounded: a few examples per operation (about 60 operations), so the whole run takes well under a minute."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
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
# What MaskErrors answers for an unexpected exception: a crash, even though the response is HTTP 200.
MASKED_ERROR = "Unexpected error."


def _masked_errors(body: str) -> list[str]:
    """Paths of the masked errors in a GraphQL response body (none when it is not a JSON response)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return [str(error.get("path")) for error in errors or () if error.get("message") == MASKED_ERROR]


# Aware, naive, and at the calendar's edges with an offset that moves them out of it in UTC.
_datetimes = st.one_of(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),
    st.sampled_from([datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))]),
).map(lambda value: value.isoformat())
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
        elif masked := _masked_errors(body):
            query = getattr(case, "body", None)
            failures.append(f"{label}: masked error at {masked} for {str(query)[:300]}")

    check()
    return cases, failures


def test_given_generated_operations_when_sent_to_the_server_then_no_server_error_stack_trace_or_masked_error(
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
