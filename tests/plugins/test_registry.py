"""The plugin registry: built-ins found through entry points, errors that name the field, third-party plugins."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import ModelSpec, Scenario, run_replication
from simulator.loading import dump_scenario
from simulator.registry import create_plugin, list_plugins, load_plugin, refresh
from simulator.scenario import ScenarioError
from tests.plugins._wheel import build_wheel

_ROOT = Path(__file__).resolve().parents[2]

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


# A third party's plugins that break their contract in every way a planner has met: each must end in one line
# naming the plugin and saying why, never a traceback (the command line shows no traceback to planners).
_BROKEN = """
from simulator.interfaces import CostBreakdown

class Negative:
    def time_factor(self, tenure_weeks):
        return -1.0

class Failing:
    def time_factor(self, tenure_weeks):
        raise RuntimeError("curve service unreachable")

class NeedsLicence:
    def __init__(self):
        raise RuntimeError("no licence for this machine")

class NoisyQuality:
    def error_probability(self, tenure_weeks):
        return float("nan")

class NeverDecides:
    interval_days = 0.0
    def decide(self, state):
        return {}

class WordyCost:
    def pool_cost(self, usage):
        return CostBreakdown(labor="cheap")
    def review_cost(self, review, hours):
        return CostBreakdown()
"""
_BROKEN_ENTRY_POINTS = {
    "learning.negative": "labelops_broken:Negative",
    "learning.failing": "labelops_broken:Failing",
    "learning.licensed": "labelops_broken:NeedsLicence",
    "learning.unimportable": "labelops_broken_import:Curve",
    "learning.gone": "labelops_broken_missing:Curve",
    "learning.misnamed": "labelops_broken:Curve",
    "quality.noisy": "labelops_broken:NoisyQuality",
    "staffing.never": "labelops_broken:NeverDecides",
    "cost.wordy": "labelops_broken:WordyCost",
}


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A distribution of broken plugins, installed into its own directory and put on sys.path."""
    directory = tmp_path_factory.mktemp("broken")
    modules = {
        "labelops_broken.py": _BROKEN,
        "labelops_broken_import.py": "raise ImportError('needs torch, which is not installed')\n",
    }
    wheel = build_wheel(
        directory, name="labelops-broken", version="0.1", modules=modules, entry_points=_BROKEN_ENTRY_POINTS
    )
    site = directory / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(site))
    refresh()
    yield site
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m.startswith("labelops_broken")]:
        del sys.modules[name]
    refresh()


def _small(**models: ModelSpec) -> Scenario:
    base = Scenario.queueing(arrivals_per_hour=2.0, mean_service_minutes=30.0, servers=2, horizon_days=2)
    return dataclasses.replace(base, **models)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (
            "unimportable",
            r"from labelops-broken \(labelops_broken_import:Curve\) failed to load: ImportError: needs torch",
        ),
        ("gone", r"from .* failed to load: ModuleNotFoundError: No module named 'labelops_broken_missing'"),
        ("misnamed", r"from .* failed to load: AttributeError: .*'Curve'"),
    ],
)
def test_a_plugin_that_fails_to_load_is_named_with_the_reason(broken_site: Path, name: str, why: str) -> None:
    with pytest.raises(ScenarioError, match=rf"^learning\.model: learning plugin '{name}' {why}"):
        create_plugin("learning", ModelSpec(name))


def test_a_plugin_whose_constructor_fails_is_named_with_the_reason(broken_site: Path) -> None:
    with pytest.raises(
        ScenarioError,
        match=r"^learning\.model: learning plugin 'licensed' failed to start: RuntimeError: no licence",
    ):
        create_plugin("learning", ModelSpec("licensed"))


@pytest.mark.parametrize(
    ("models", "message"),
    [
        # A negative time per label ran, and reported a mean of -2 minutes per label.
        ({"learning": ModelSpec("negative")}, r"learning\.model 'negative' returned a time factor of -1\.0"),
        ({"learning": ModelSpec("failing")}, r"learning\.model 'failing' failed in time_factor: RuntimeError"),
        # NaN was taken as "never wrong" (a clamp let it through as 0).
        ({"quality": ModelSpec("noisy")}, r"quality\.model 'noisy' returned an error probability of nan"),
        # An interval of 0 meant the policy was never asked, not even at hour 0.
        ({"staffing": ModelSpec("never")}, r"staffing\.model 'never' has interval_days 0\.0; it must be > 0"),
        ({"costs": ModelSpec("wordy")}, r"cost model returned labor = 'cheap' for pool 'default' on day 0"),
    ],
)
def test_a_plugin_breaking_its_contract_in_a_run_is_named(
    broken_site: Path, models: dict[str, ModelSpec], message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        run_replication(_small(**models), 1)


def test_the_command_line_says_which_plugin_failed_in_one_line(broken_site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), str(broken_site)])}
    for learning, code in (("unimportable", 2), ("negative", 1)):
        path = tmp_path / f"{learning}.toml"
        dump_scenario(_small(learning=ModelSpec(learning)), path)
        command = [sys.executable, "-m", "server.cli", "simulate", str(path), "-n", "2", "--executor", "serial"]
        done = subprocess.run([*command, "--no-progress"], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == code, done.stderr
        assert "Traceback" not in done.stderr
        [line] = done.stderr.splitlines()
        assert line.startswith(f"labelops: error: {path}: learning.model") and f"'{learning}'" in line
