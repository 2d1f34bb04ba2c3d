"""The plugin registry: built-ins found through entry points, errors that name the field, third-party plugins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simulator import ModelSpec, Scenario, run_replication
from simulator.registry import create_plugin, list_plugins, load_plugin, refresh
from simulator.scenario import ScenarioError
from tests.plugins._wheel import build_wheel

BUILT_INS = {
    ("demand", "pattern"),
    ("demand", "trace"),
    ("learning", "exponential"),
    ("learning", "power"),
    ("learning", "none"),
    ("quality", "exponential"),
    ("quality", "constant"),
    ("staffing", "fixed"),
    ("staffing", "scheduled"),
    ("staffing", "backlog"),
    ("staffing", "sla"),
    ("cost", "standard"),
}


def test_built_in_plugins_are_listed_with_their_distribution() -> None:
    found = {(p.kind, p.name): p for p in list_plugins()}
    assert set(found) >= BUILT_INS
    for key in BUILT_INS:
        assert found[key].distribution == "labelops"
        assert found[key].version
        assert found[key].target.startswith("plugins.")


def test_listing_filters_by_kind() -> None:
    learning = list_plugins("learning")
    assert {p.name for p in learning} >= {"exponential", "power", "none"}
    assert all(p.kind == "learning" for p in learning)


def test_unknown_plugin_names_the_field_and_the_installed_ones() -> None:
    with pytest.raises(ScenarioError, match=r"learning\.model: no learning plugin named 'sigmoid'.*exponential"):
        create_plugin("learning", ModelSpec("sigmoid"))


def test_bad_params_name_the_parameter_and_value() -> None:
    with pytest.raises(ScenarioError, match=r"learning\.params\.tau_weeks must be > 0, got -1"):
        create_plugin("learning", ModelSpec("exponential", {"tau_weeks": -1}))


def test_unexpected_params_are_rejected() -> None:
    with pytest.raises(ScenarioError, match=r"quality\.params rejected by quality plugin 'constant'.*bogus"):
        create_plugin("quality", ModelSpec("constant", {"bogus": 1}))


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="plugin kind must be one of"):
        load_plugin("weather", "sunny")


def test_a_third_party_distribution_is_discovered_and_used(tmp_path: Path) -> None:
    source = (
        "class HalfTime:\n"
        "    '''Every labeler works at half the novice time from day one.'''\n"
        "    def __init__(self, share=0.5):\n"
        "        self.share = share\n"
        "    def time_factor(self, tenure_weeks):\n"
        "        return self.share\n"
    )
    wheel = build_wheel(
        tmp_path,
        name="labelops-halftime",
        version="1.2.3",
        modules={"labelops_halftime/__init__.py": source},
        entry_points={"learning.halftime": "labelops_halftime:HalfTime"},
    )
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(site))
    try:
        refresh()
        info = [p for p in list_plugins("learning") if p.name == "halftime"]
        assert len(info) == 1
        assert (info[0].distribution, info[0].version) == ("labelops-halftime", "1.2.3")

        base = Scenario.queueing(arrivals_per_hour=2.0, mean_service_minutes=30.0, servers=3, horizon_days=3)
        halved = Scenario(**{**base.__dict__, "learning": ModelSpec("halftime", {"share": 0.5})})
        plain = run_replication(base, 5, keep_tasks=True)
        fast = run_replication(halved, 5, keep_tasks=True)
        # Same seed, same random numbers: every label takes exactly half as long.
        assert fast.summary.mean_minutes_per_label == pytest.approx(plain.summary.mean_minutes_per_label / 2)
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.startswith("labelops_halftime")]:
            del sys.modules[name]
        refresh()
    assert not [p for p in list_plugins("learning") if p.name == "halftime"]
