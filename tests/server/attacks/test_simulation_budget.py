"""Attack: one planning request stalling the server.

`slaFeasibility(demand: {basePerDay: 1e7})` used to take 55 s of CPU and 3.4 GB in a thread the request timeout
could not stop, `cheapestPlan` built a million plans before checking its cap, and a cancelled run kept its worker
busy until its chunk ended. Now every simulation is budgeted before it starts and runs in the server's pool, whose
worker is killed when its request times out or its run is cancelled; `/health` keeps answering meanwhile."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import httpx

from tests.server.access_world import AccessWorld
from tests.server.attacks.simulation_helpers import (
    alive,
    gql,
    heavy_document,
    save_scenario,
    start_run,
    wait_until,
    worker_pids,
)
from tests.server.live_server import live_server

FEASIBILITY = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility { probability }
    ... on UserError { field message }
    ... on ValidationError { value }
  }
}
"""

COMPARE = """
query($input: CompareScenariosInput!) {
  compareScenarios(input: $input) {
    __typename
    ... on ScenarioComparison { replications }
    ... on UserError { field message }
    ... on ValidationError { value }
  }
}
"""

CHEAPEST = """
query($input: CheapestPlanInput!) {
  cheapestPlan(input: $input) {
    __typename
    ... on PlanSearch { candidates }
    ... on UserError { field message }
    ... on ValidationError { value }
  }
}
"""

CANCEL_RUN = """
mutation($id: ID!) { cancelRun(id: $id) { __typename ... on RunPayload { run { status } } } }
"""

OFFER = {"headcount": 12, "hourlyRate": 14.0, "timeToHireDays": 7.0, "trainingDays": 3.0}


def _refused(url: str, headers: dict[str, str], query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    started = time.monotonic()
    result: dict[str, Any] = gql(url, headers, query, variables)[name]
    elapsed = time.monotonic() - started
    assert result["__typename"] == "ValidationError", result
    # Refused before any simulation: generous against machine noise, against minutes before the budget
    assert elapsed < 2.0, f"{name} took {elapsed:.2f} s to refuse"
    return result


def test_over_budget_planning_is_refused_before_any_worker_starts(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    with live_server(url) as server:
        headers, endpoint = world.headers("admin"), server.graphql_url
        # Demand: 1e7 tasks a day for 4 weeks, 64 times
        demand = {"demand": {"basePerDay": 1e7}, "offer": OFFER, "offerMode": "REPLACE", "replications": 64}
        refused = _refused(endpoint, headers, FEASIBILITY, {"input": demand}, "slaFeasibility")
        assert refused["field"] == "input.demand.basePerDay" and refused["value"] == "10000000.0"
        assert "simulation budget" in refused["message"]
        # Head count: ten million labelers
        crowd = {
            "demand": {"basePerDay": 100.0},
            "offer": {**OFFER, "headcount": 10_000_000},
            "offerMode": "REPLACE",
            "replications": 2,
        }
        refused = _refused(endpoint, headers, FEASIBILITY, {"input": crowd}, "slaFeasibility")
        assert refused["field"] == "input.offer.headcount" and refused["value"] == "10000000"
        # Horizon, in a document: a million days
        document = heavy_document("long", 0.0)
        document["horizon_days"] = 1_000_000
        document["workforce"][0]["headcount"] = {"production": 1}
        long_base = {"base": {"document": document}, "replications": 2}
        refused = _refused(endpoint, headers, FEASIBILITY, {"input": long_base}, "slaFeasibility")
        assert refused["field"] == "input.base.document.horizon_days" and refused["value"] == "1000000"
        # A what-if variant multiplying demand
        variants = {"variants": [{"name": "huge", "demandMultiplier": 10_000.0}], "replications": 32}
        refused = _refused(endpoint, headers, COMPARE, {"input": variants}, "compareScenarios")
        assert refused["field"] == "input.variants[0].demandMultiplier"
        # Options allowing a million plans are refused before any is built or simulated
        options = [{"pool": "default", "counts": list(range(1, 101)), "days": [0.0, 7.0, 14.0]}] * 3
        refused = _refused(endpoint, headers, CHEAPEST, {"input": {"options": options}}, "cheapestPlan")
        assert refused["field"].startswith("input.options")
        # A run of a stored scenario
        scenario_id = save_scenario(endpoint, headers, heavy_document("big-run", 1e6))
        variables = {"input": {"scenarioId": scenario_id, "replications": 1000}}
        run = gql(endpoint, headers, "mutation($input: RunSimulationInput!) { runSimulation(input: $input) "
                  "{ __typename ... on UserError { field } ... on ValidationError { value } } }",
                  variables)["runSimulation"]  # fmt: skip
        # The id as the client gave it, never the database's row number
        assert run == {"__typename": "ValidationError", "field": "input.scenarioId", "value": scenario_id}
        assert worker_pids(server.process.pid) == set(), "a worker started for a refused request"
        # Within budget, the same questions are answered
        fine = {"demand": {"basePerDay": 900.0}, "offer": OFFER, "offerMode": "REPLACE", "replications": 16}
        answer = gql(endpoint, headers, FEASIBILITY, {"input": fine})["slaFeasibility"]
        assert answer["__typename"] == "SlaFeasibility"


class _HealthProbe:
    """Times `/health` every 50 ms from a thread while an attack runs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._probe, daemon=True)

    def _probe(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                assert client.get("/health").status_code == 200
                self.latencies.append(time.monotonic() - started)
                self._stop.wait(0.05)

    def __enter__(self) -> _HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


def test_a_simulation_cut_by_the_request_timeout_loses_its_worker(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    environment = {
        # Long enough for the request to reach its worker on a loaded machine (reading the workspace and building
        # the scenario come first), far shorter than the minute of CPU the question needs.
        "LABELOPS_REQUEST_TIMEOUT": "8",
        "LABELOPS_SIMULATION_BUDGET": "1e12",
        "LABELOPS_SIMULATION_WORKERS": "1",
    }
    with live_server(url, **environment) as server:
        headers = world.headers("admin")
        # Given a feasibility question that needs about a minute of CPU
        slow = {"demand": {"basePerDay": 100_000.0}, "offer": OFFER, "offerMode": "REPLACE", "replications": 100}
        busy: set[int] = set()
        responses: list[httpx.Response] = []

        def ask() -> None:
            responses.append(
                httpx.post(server.graphql_url, json={"query": FEASIBILITY, "variables": {"input": slow}},
                           headers=headers, timeout=60)
            )  # fmt: skip

        asker = threading.Thread(target=ask)
        with _HealthProbe(server.base_url) as probe:
            asker.start()
            busy |= wait_until(lambda: worker_pids(server.process.pid), 30, "the simulation never reached a worker")
            asker.join(60)
        # Then the request is cut with a 504, and its worker is killed, not left computing
        assert responses and responses[0].status_code == 504, responses
        wait_until(lambda: not any(alive(pid) for pid in busy), 3, f"worker {busy} still runs after the timeout")
        # And the event loop kept answering /health beside it
        assert len(probe.latencies) >= 5
        assert statistics.median(probe.latencies) < 0.2, probe.latencies
        assert max(probe.latencies) < 1.0, probe.latencies
        # The pool starts a fresh worker for the next request
        fine = {"demand": {"basePerDay": 900.0}, "offer": OFFER, "offerMode": "REPLACE", "replications": 4}
        assert gql(server.graphql_url, headers, FEASIBILITY, {"input": fine})["slaFeasibility"]["probability"] >= 0


def test_a_cancelled_run_loses_its_workers(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    with live_server(url, LABELOPS_SIMULATION_BUDGET="1e12", LABELOPS_SIMULATION_WORKERS="2") as server:
        headers = world.headers("admin")
        scenario_id = save_scenario(server.graphql_url, headers, heavy_document("cancelled"))
        run_id = start_run(server.graphql_url, headers, scenario_id, replications=400)
        busy = wait_until(lambda: worker_pids(server.process.pid), 30, "the run never reached a worker")
        cancelled = gql(server.graphql_url, headers, CANCEL_RUN, {"id": run_id})["cancelRun"]
        assert cancelled == {"__typename": "RunPayload", "run": {"status": "CANCELLED"}}
        wait_until(lambda: not any(alive(pid) for pid in busy), 3, f"workers {busy} still run the cancelled run")
