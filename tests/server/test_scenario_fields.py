"""Field paths of scenario errors: carried as parts, names with spaces stay whole, documents keep their spelling."""

from __future__ import annotations

import pytest

from server.graphql.errors import INPUT, client_path
from server.services.errors import DomainError
from server.services.scenarios import ScenarioInvalid, parse_scenario
from simulator.planning.feasibility import Hire
from simulator.scenario import Key, ScenarioError


def test_a_pool_named_with_spaces_gives_the_whole_path_as_the_field() -> None:
    with pytest.raises(ScenarioInvalid, match=r"workforce\[Northwind Annotation\]\.hourly_rate must be >= 0") as caught:
        parse_scenario({"workforce": [{"name": "Northwind Annotation", "hourly_rate": -3}]})
    assert caught.value.path == ("document", "workforce", "Northwind Annotation", "hourly_rate")
    assert client_path(caught.value.path, INPUT) == "input.document.workforce[Northwind Annotation].hourly_rate"


def test_items_that_fail_before_they_have_a_name_are_located_by_index() -> None:
    document = {"workforce": [{"name": "a", "hourly_rate": 1}, {"name": "", "hourly_rate": 1}]}
    with pytest.raises(ScenarioInvalid, match=r"workforce\[1\]\.name must be a non-empty string") as caught:
        parse_scenario(document)
    assert caught.value.path == ("document", "workforce", 1, "name")
    assert client_path(caught.value.path, INPUT) == "input.document.workforce[1].name"


def test_a_name_holding_dots_and_brackets_stays_one_part() -> None:
    name = "Team A.1 [night]"
    with pytest.raises(ScenarioInvalid) as caught:
        parse_scenario({"workforce": [{"name": name, "hourly_rate": -3}]})
    assert caught.value.path[2] == name
    assert isinstance(caught.value.path[2], Key)


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"calendar": {"hours_per_day": 0}}, "input.document.calendar.hours_per_day"),
        ({"demand": {"base_per_dayz": 3}}, "input.document.demand.base_per_dayz"),
        (
            {"workforce": [{"name": "a", "hourly_rate": 1, "headcount": {"production": -1}}]},
            "input.document.workforce[a].headcount.production",
        ),
        ({"demand": {"model": "no-such-model"}}, "input.document.demand.model"),
        ([], "input.document"),
    ],
)
def test_document_paths_keep_the_document_spelling(document: object, path: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_scenario(document)
    assert client_path(caught.value.path, INPUT) == path


def test_an_error_carries_its_path_as_parts() -> None:
    with pytest.raises(ScenarioError) as caught:
        Hire(pool="Northwind Annotation", day=0.0, count=-1)
    assert caught.value.path == ("hires", "Northwind Annotation", "count")
    assert isinstance(caught.value.path[1], Key)


def test_input_paths_are_camel_case_but_chosen_names_are_not() -> None:
    assert client_path(("offer", "time_to_hire_days"), INPUT) == "input.offer.timeToHireDays"
    assert client_path(("options", Key("north_pool"), "max_count"), INPUT) == "input.options[north_pool].maxCount"
    assert client_path(("variants", 2, "demand_multiplier")) == "variants[2].demandMultiplier"
    assert client_path(()) is None
