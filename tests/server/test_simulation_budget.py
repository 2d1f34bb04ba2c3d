"""The simulation budget: scenario sizes, the default's headroom for real use, and plan counting."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from server.services.errors import ValidationFailed
from server.services.simulation_budget import Fields, check_budget, workload
from server.settings import Settings
from simulator.loading import load_scenario
from simulator.scenario import Demand, Headcount, Scenario

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))
FIELDS: Fields = {"tasks": (("t",), 1), "labelers": (("l",), 2), "days": (("d",), 3)}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_default_budget_holds_each_example_scenario_at_200_replications(path: Path) -> None:
    check_budget([(workload(load_scenario(path)), 200, FIELDS)], Settings().simulation_budget)


def test_the_default_budget_holds_the_largest_default_planning_requests() -> None:
    # slaFeasibility at its replication cap on the default scenario; compareScenarios at its caps (8 variants)
    check_budget([(workload(Scenario()), 1000, FIELDS)], Settings().simulation_budget)
    check_budget([(workload(Scenario()), 500, FIELDS)] * 9, Settings().simulation_budget)


def test_expected_tasks_follow_the_demand_pattern() -> None:
    load = workload(Scenario())  # 1000 tasks a day for 28 days, 10 labelers
    assert (load.tasks, load.labeler_days, load.days) == (28_000.0, 280.0, 28.0)


def test_over_budget_names_the_dominant_dimension_of_the_heaviest_run() -> None:
    quiet = Scenario(horizon_days=3_650, demand=Demand(base_per_day=0.0))
    quiet = replace(quiet, workforce=(replace(quiet.workforce[0], headcount=Headcount(production=1)),))
    small, big = workload(Scenario()), workload(quiet)
    with pytest.raises(
        ValidationFailed,
        match=r"^d makes this request simulate about 1\.19e\+07 task-equivalents "
        r"\(10 runs of 3\.65e\+03 days each\).*got 3650$",
    ):
        check_budget([(small, 1, FIELDS), (big, 10, {**FIELDS, "days": (("d",), 3_650)})], 1e6)
