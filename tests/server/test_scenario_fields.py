"""Field paths of scenario errors: names with spaces stay whole, client-chosen names keep their spelling."""

from __future__ import annotations

import pytest

from server.graphql.planning.inputs import camel_path
from server.services.scenarios import ScenarioInvalid, parse_scenario, scenario_field
from simulator.planning.feasibility import Hire
from simulator.scenario import ScenarioError


def test_a_pool_named_with_spaces_gives_the_whole_path_as_the_field() -> None:
    with pytest.raises(ScenarioInvalid, match=r"workforce\[Northwind Annotation\]\.hourly_rate must be >= 0") as caught:
        parse_scenario({"workforce": [{"name": "Northwind Annotation", "hourly_rate": -3}]})
    assert caught.value.field == "input.document.workforce[Northwind Annotation].hourly_rate"


def test_items_that_fail_before_they_have_a_name_are_located_by_index() -> None:
    document = {"workforce": [{"name": "a", "hourly_rate": 1}, {"name": "", "hourly_rate": 1}]}
    with pytest.raises(ScenarioInvalid, match=r"workforce\[1\]\.name must be a non-empty string") as caught:
        parse_scenario(document)
    assert caught.value.field == "input.document.workforce[1].name"


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (
            "workforce[Northwind Annotation].hourly_rate must be >= 0, got -3",
            "workforce[Northwind Annotation].hourly_rate",
        ),
        ("demand.projects[Chat (EN)].share must be > 0, got 0", "demand.projects[Chat (EN)].share"),
        ("calendar.hours_per_day must be > 0, got 0", "calendar.hours_per_day"),
        ("scenario must be a table, got 3", None),
        ("demand.model: no demand plugin named 'x' is installed", None),
    ],
)
def test_a_path_is_read_from_the_message_when_the_error_carries_none(message: str, path: str | None) -> None:
    assert scenario_field(ScenarioError(message)) == path


def test_an_error_carrying_its_path_is_taken_at_its_word() -> None:
    with pytest.raises(ScenarioError) as caught:
        Hire(pool="Northwind Annotation", day=0.0, count=-1)
    assert scenario_field(caught.value) == "hires[Northwind Annotation].count"


def test_camel_case_leaves_bracketed_names_alone() -> None:
    assert camel_path("offer.time_to_hire_days") == "offer.timeToHireDays"
    assert camel_path("options[north_pool].max_count") == "options[north_pool].maxCount"
