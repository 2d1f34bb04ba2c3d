"""Helpers for attacks on the simulations: GraphQL over HTTP against a live server, and its worker processes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from simulator.loading import scenario_to_dict
from simulator.scenario import Scenario

__all__ = [
    "RUN_SIMULATION",
    "SAVE_SCENARIO",
    "alive",
    "gql",
    "heavy_document",
    "save_scenario",
    "start_run",
    "wait_until",
    "worker_pids",
]

SAVE_SCENARIO = """
mutation($input: SaveScenarioInput!) {
  saveScenario(input: $input) { __typename ... on ScenarioPayload { scenario { id } } }
}
"""

RUN_SIMULATION = """
mutation($input: RunSimulationInput!) {
  runSimulation(input: $input) {
    __typename
    ... on RunPayload { run { id status executor } }
    ... on UserError { field message }
    ... on ValidationError { value }
  }
}
"""


def gql(url: str, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `data` of an operation that must not fail as a whole (no masked or unexpected error)."""
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=60)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def heavy_document(name: str, tasks_per_day: float = 50_000.0) -> dict[str, Any]:
    """A valid scenario that keeps a worker busy for a fraction of a second per replication."""
    document = scenario_to_dict(Scenario(name=name))
    document["demand"]["base_per_day"] = tasks_per_day
    return document


def save_scenario(url: str, headers: dict[str, str], document: dict[str, Any]) -> str:
    saved = gql(url, headers, SAVE_SCENARIO, {"input": {"name": document["name"], "document": document}})
    scenario_id: str = saved["saveScenario"]["scenario"]["id"]
    return scenario_id


def start_run(url: str, headers: dict[str, str], scenario_id: str, replications: int) -> str:
    started = gql(url, headers, RUN_SIMULATION, {"input": {"scenarioId": scenario_id, "replications": replications}})
    result = started["runSimulation"]
    assert result["__typename"] == "RunPayload", result
    run_id: str = result["run"]["id"]
    return run_id


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z"


def worker_pids(server_pid: int) -> set[int]:
    """The server's simulation workers: the live children of its forkserver (its grandchildren)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] != "Z":
                parents[int(entry.name)] = stat[0]
    children = {pid for pid, parent in parents.items() if parent == server_pid}
    return {pid for pid, parent in parents.items() if parent in children}


def wait_until(condition: Any, timeout: float, message: str, interval: float = 0.05) -> Any:
    """Poll `condition()` until it returns something truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(interval)
