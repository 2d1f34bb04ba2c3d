"""Attack: a client choosing where and how widely the server runs simulations.

`runSimulation(executor: "dask://HOST:PORT")` used to make the server connect to any address and unpickle the
reply (code execution), and `process:N` let a client start N workers. Executors are server configuration now: a
client may only name one the operator configured, and the server's one bounded pool leaves no worker behind, even
when the server is SIGKILLed."""

from __future__ import annotations

import socket
import threading

from tests.server.access_world import AccessWorld
from tests.server.attacks.simulation_helpers import (
    RUN_SIMULATION,
    alive,
    gql,
    heavy_document,
    save_scenario,
    start_run,
    wait_until,
    worker_pids,
)
from tests.server.live_server import LiveServer, live_server


class _Listener:
    """A TCP port that records whether anyone connected to it (the attacker's "scheduler")."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


def test_a_client_cannot_choose_an_executor_address_or_a_worker_count(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    listener = _Listener()
    try:
        with live_server(url) as server:
            headers = world.headers("admin")
            scenario_id = save_scenario(server.graphql_url, headers, heavy_document("tiny", 10.0))
            for executor in (f"dask://127.0.0.1:{listener.port}", f"tcp://127.0.0.1:{listener.port}", "process:27",
                             "process", "dask", " local"):  # fmt: skip
                variables = {"input": {"scenarioId": scenario_id, "replications": 2, "executor": executor}}
                result = gql(server.graphql_url, headers, RUN_SIMULATION, variables)["runSimulation"]
                # Then each is a typed error naming the field and the value, and nothing is queued
                assert result["__typename"] == "ValidationError", (executor, result)
                assert result["field"] == "input.executor" and result["value"] == executor
                assert repr(executor) in result["message"] and "local" in result["message"]
            runs = gql(server.graphql_url, headers, "{ runs { id } }")["runs"]
            assert runs == []
            # The configured name works, and the run says which executor it used
            variables = {"input": {"scenarioId": scenario_id, "replications": 2, "executor": "local"}}
            result = gql(server.graphql_url, headers, RUN_SIMULATION, variables)["runSimulation"]
            assert result["__typename"] == "RunPayload" and result["run"]["executor"] == "local"
        assert listener.connections == 0, "the server connected to a client-chosen address"
    finally:
        listener.close()


def test_the_pool_is_bounded_by_configuration(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    # The machine has more cores than one: a pool sized by the cores would start more workers
    with live_server(url, LABELOPS_SIMULATION_WORKERS="1", LABELOPS_SIMULATION_BUDGET="1e12") as server:
        headers = world.headers("admin")
        scenario_id = save_scenario(server.graphql_url, headers, heavy_document("bounded"))
        for _ in range(3):
            start_run(server.graphql_url, headers, scenario_id, replications=400)
        wait_until(lambda: worker_pids(server.process.pid), 60, "no simulation worker started")
        # Three long runs at once share the server's one worker
        for _ in range(10):
            assert len(worker_pids(server.process.pid)) == 1
            threading.Event().wait(0.1)


def test_no_worker_outlives_a_server_killed_with_sigkill(world_url: tuple[AccessWorld, str]) -> None:
    world, url = world_url
    server: LiveServer
    with live_server(url, LABELOPS_SIMULATION_WORKERS="2", LABELOPS_SIMULATION_BUDGET="1e12") as server:
        headers = world.headers("admin")
        scenario_id = save_scenario(server.graphql_url, headers, heavy_document("orphans"))
        start_run(server.graphql_url, headers, scenario_id, replications=400)
        workers = wait_until(lambda: worker_pids(server.process.pid), 60, "no simulation worker started")
        # When the server is SIGKILLed in the middle of the run
        server.kill()
        # Then its workers are gone within a few seconds
        wait_until(lambda: not any(alive(pid) for pid in workers), 5, f"workers {workers} outlived the server")
