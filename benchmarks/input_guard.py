"""The cost per request of checking text and ids (`server.graphql.input_guard`), with the document's literal walk
cached by its text (as the server runs it) and walked anew (the reference), in alternating rounds.

    .venv/bin/python benchmarks/input_guard.py
"""

from __future__ import annotations

import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphql import parse

from server.graphql.input_guard import input_problems
from server.graphql.schema import schema

QUERY = """query($p: ID!) {
  projects(first: 50) { edges { node { id name labelers(first: 20) { edges { node { id vendor { id name } } } } } } }
  node(id: $p) { id }
  auditLog(filter: {since: "2026-01-01T00:00:00Z", operation: ["submitLabel", "reviewLabel"]}) { totalCount }
}"""
VARIABLES = {"p": "VGFzazox"}
ROUNDS = 9
CALLS = 500


def main() -> None:
    document = parse(QUERY)
    graphql_schema = schema._schema
    cached: list[float] = []
    walked: list[float] = []
    for _ in range(ROUNDS):
        cached.append(timeit.timeit(lambda: input_problems(graphql_schema, document, VARIABLES, QUERY), number=CALLS))
        walked.append(timeit.timeit(lambda: input_problems(graphql_schema, document, VARIABLES), number=CALLS))
    cached_us = statistics.median(cached) / CALLS * 1e6
    walked_us = statistics.median(walked) / CALLS * 1e6
    print(f"input check per request, median of {ROUNDS} rounds of {CALLS} calls")
    print(f"  literal walk cached by text: {cached_us:8.1f} us")
    print(f"  literal walk every time:     {walked_us:8.1f} us  ({walked_us / cached_us:.0f}x)")


if __name__ == "__main__":
    main()
