"""Reading and writing scenarios: TOML and JSON round trips, unknown keys, paths in error messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from simulator import (
    Consensus,
    Demand,
    Headcount,
    ModelSpec,
    Pool,
    Project,
    Review,
    Scenario,
    ScenarioError,
    Spike,
    dump_scenario,
    dumps_scenario,
    load_scenario,
    loads_scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from simulator.examples import benchmark_scenario

RICH = Scenario(
    name="rich",
    horizon_days=30,
    demand=Demand(
        base_per_day=500,
        trend_per_week=0.02,
        spikes=(Spike(start_day=10, duration_days=3, multiplier=2.5),),
        projects=(Project("a", 0.7, 1.5), Project("b", 0.3, 4.0)),
    ),
    workforce=(
        Pool("in_house", hourly_rate=20, headcount=Headcount(production=5, training=2, hiring=1)),
        Pool("bpo", vendor="acme", price_per_label=0.08, shift_offset_hours=-6),
    ),
    learning=ModelSpec("power", {"exponent": 0.3, "floor": 0.5}),
    review=Review(share_reviewed=0.2, reviewers=2),
    consensus=Consensus(labels_per_task=3, coverage=0.1),
    staffing=ModelSpec("scheduled", {"hires": [{"day": 7, "pool": "bpo", "count": 3}]}),
)


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        RICH,
        benchmark_scenario(),
        Scenario.queueing(arrivals_per_hour=3, mean_service_minutes=10, servers=2),
    ],
)
@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_round_trip_through_text(scenario: Scenario, fmt: str) -> None:
    assert loads_scenario(dumps_scenario(scenario, fmt), fmt) == scenario


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_round_trip_through_files(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rich{suffix}"
    dump_scenario(RICH, path)
    assert load_scenario(path) == RICH


def test_dict_round_trip_omits_unset_values() -> None:
    data = scenario_to_dict(RICH)
    assert "price_per_label" not in data["workforce"][0]
    assert scenario_from_dict(data) == RICH


def test_a_minimal_toml_document() -> None:
    text = """
name = "small"
horizon_days = 14
learning = "none"

[demand]
base_per_day = 200
projects = [{name = "boxes", minutes_per_label = 3.0}]

[[workforce]]
name = "team"
hourly_rate = 18.5
headcount = {production = 4}
"""
    scenario = loads_scenario(text)
    assert scenario.learning == ModelSpec("none")
    assert scenario.pool("team").headcount.production == 4
    assert scenario.demand.projects[0].minutes_per_label == 3.0


def test_unknown_keys_are_named_with_their_path() -> None:
    with pytest.raises(ScenarioError, match=r"unknown key 'demand\.base_per_week'"):
        scenario_from_dict({"demand": {"base_per_week": 3}})
    # Items with a name are named, as their own checks name them (workforce[<pool>].hourly_rate).
    with pytest.raises(ScenarioError, match=r"unknown key 'workforce\[a\]\.salary'"):
        scenario_from_dict({"workforce": [{"name": "a", "hourly_rate": 1, "salary": 3}]})
    with pytest.raises(ScenarioError, match=r"unknown key 'workforce\[0\]\.salary'"):
        scenario_from_dict({"workforce": [{"hourly_rate": 1, "salary": 3}]})
    with pytest.raises(ScenarioError, match=r"unknown key 'colour'"):
        scenario_from_dict({"colour": "blue"})


def test_missing_required_keys_are_named_with_their_path() -> None:
    with pytest.raises(ScenarioError, match=r"^staffing\.model is required$") as error:
        scenario_from_dict({"staffing": {}})
    assert error.value.path == ("staffing", "model")
    with pytest.raises(ScenarioError, match=r"^workforce\[0\]\.name is required$"):
        scenario_from_dict({"workforce": [{"hourly_rate": 1}]})
    with pytest.raises(ScenarioError, match=r"^demand\.spikes\[0\]\.start_day is required$"):
        scenario_from_dict({"demand": {"spikes": [{}]}})


def test_list_items_get_their_index_in_the_path() -> None:
    data = {
        "demand": {
            "spikes": [
                {"start_day": 1, "duration_days": 1, "multiplier": 2},
                {"start_day": 1, "duration_days": 1, "multiplier": -2},
            ]
        }
    }
    with pytest.raises(ScenarioError, match=r"demand\.spikes\[1\]\.multiplier must be >= 0, got -2"):
        scenario_from_dict(data)


def test_wrong_shapes_are_rejected() -> None:
    with pytest.raises(ScenarioError, match=r"demand\.weekly must be a list, got 3"):
        scenario_from_dict({"demand": {"weekly": 3}})
    with pytest.raises(ScenarioError, match=r"calendar must be a table, got 'always'"):
        scenario_from_dict({"calendar": "always"})


def test_invalid_documents_are_reported() -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        loads_scenario("name = ")
    with pytest.raises(ScenarioError, match="format must be 'toml' or 'json'"):
        load_scenario(Path("scenario.yaml"))


def test_loading_checks_that_plugins_exist(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('learning = {model = "sigmoid"}\n')
    with pytest.raises(ScenarioError, match=r"learning\.model: no learning plugin named 'sigmoid'"):
        load_scenario(path)


def test_a_hiring_time_names_its_pool_and_field() -> None:
    # The distribution checks itself as "distribution.cv"; the message must say which pool's field holds it.
    data = {"workforce": [{"name": "night", "hourly_rate": 1, "time_to_hire_days": {"mean": -1}}]}
    with pytest.raises(ScenarioError, match=r"^workforce\[night\]\.time_to_hire_days\.mean must be >= 0, got -1$"):
        scenario_from_dict(data)


def test_a_joins_share_names_its_index() -> None:
    data = {"workforce": [{"name": "crowd", "hourly_rate": 1, "joins": [{"pool": "crowd", "share": float("inf")}]}]}
    with pytest.raises(ScenarioError, match=r"^workforce\[crowd\]\.joins\[0\]\.share must be finite, got inf$"):
        scenario_from_dict(data)


@pytest.mark.parametrize("cv", [float("inf"), 1e300, 1e100])
@pytest.mark.parametrize("part", ["time_to_hire_days", "service_time"])
def test_a_spread_no_run_can_draw_is_refused(part: str, cv: float) -> None:
    # inf and 1e300 crashed hires (a gamma shape of 0) or service times (cv**2 overflowing); 1e100 ran every
    # label in no time, since nearly all lognormal draws were 0 and the mean sat in draws no run makes.
    if part == "service_time":
        data: dict[str, Any] = {"service_time": {"distribution": "lognormal", "cv": cv}}
        where = r"service_time\.cv"
    else:
        data = {"workforce": [{"name": "w", "hourly_rate": 1, "time_to_hire_days": {"kind": "gamma", "cv": cv}}]}
        where = r"workforce\[w\]\.time_to_hire_days\.cv"
    with pytest.raises(ScenarioError, match=rf"^{where} must be between 0 and 100, got {re.escape(repr(cv))}$"):
        scenario_from_dict(data)


@pytest.mark.parametrize("key", ["start_day", "duration_days"])
def test_a_spike_without_end_is_refused(key: str) -> None:
    # An infinite start or length ran, then the result could not be written as JSON (--out) after the whole run.
    spike = {"start_day": 1, "duration_days": 1, "multiplier": 2} | {key: float("inf")}
    with pytest.raises(ScenarioError, match=rf"^demand\.spikes\[0\]\.{key} must be finite, got inf$"):
        scenario_from_dict({"demand": {"spikes": [spike]}})


@pytest.mark.parametrize(("text", "fmt"), [("", "toml"), ("# a comment only\n", "toml"), ("{}", "json")])
def test_an_empty_document_is_refused(text: str, fmt: str) -> None:
    # Every key has a default: an empty file ran a made-up team of 10 on 1,000 tasks a day without a word.
    with pytest.raises(ScenarioError, match=rf"^scenario is empty: the {fmt.upper()} document sets no keys$"):
        loads_scenario(text, fmt)


def test_a_json_key_given_twice_is_refused() -> None:
    # TOML refuses a repeated key; JSON kept the last one silently (a 3-day horizon over the 28 written first).
    with pytest.raises(ScenarioError, match=r"key 'horizon_days' is given twice"):
        loads_scenario('{"horizon_days": 28, "name": "x", "horizon_days": 3}', "json")


def test_a_description_must_be_text() -> None:
    with pytest.raises(ScenarioError, match=r"^description must be a string, got \{'a': 1\}$"):
        scenario_from_dict({"description": {"a": 1}})


def test_a_toml_date_reads_back_as_json(tmp_path: Path) -> None:
    # TOML's own date type is the natural way to write a plan's start; the result's JSON (--out) and a JSON copy
    # of the scenario failed on it after the whole run ("Object of type date is not JSON serializable").
    scenario = loads_scenario("[demand]\nbase_per_day = 10\nparams = { start_date = 2027-03-01 }\n")
    assert scenario_to_dict(scenario)["demand"]["params"] == {"start_date": "2027-03-01"}
    copy = tmp_path / "copy.json"
    dump_scenario(scenario, copy)
    assert load_scenario(copy).demand.params == {"start_date": "2027-03-01"}
