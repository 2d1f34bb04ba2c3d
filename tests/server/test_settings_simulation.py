"""Simulation settings read from the environment: pool size, budget, Dask address, run lease and heartbeat."""

from __future__ import annotations

import pytest

from server.settings import default_worker_count, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WORKERS", "BUDGET"):
        monkeypatch.delenv(f"LABELOPS_SIMULATION_{name}", raising=False)
    for name in ("LABELOPS_DASK_ADDRESS", "LABELOPS_RUN_LEASE", "LABELOPS_RUN_HEARTBEAT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.simulation_workers == default_worker_count()
    assert settings.simulation_budget == 2e8
    assert settings.dask_address is None
    assert (settings.run_lease_seconds, settings.run_heartbeat_seconds) == (30.0, 10.0)


def test_the_heartbeat_follows_the_lease_and_must_be_shorter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELOPS_RUN_HEARTBEAT", raising=False)
    monkeypatch.setenv("LABELOPS_RUN_LEASE", "6")
    assert load_settings().run_heartbeat_seconds == 2.0
    monkeypatch.setenv("LABELOPS_RUN_HEARTBEAT", "6")
    with pytest.raises(
        ValueError, match=r"LABELOPS_RUN_HEARTBEAT must be shorter than LABELOPS_RUN_LEASE \(6\), got 6"
    ):
        load_settings()


@pytest.mark.parametrize("name", ["LABELOPS_SIMULATION_WORKERS", "LABELOPS_SIMULATION_BUDGET", "LABELOPS_RUN_LEASE"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_sizes_must_be_positive(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=rf"{name} must be a positive number, got -?[01]\.0"):
        load_settings()
