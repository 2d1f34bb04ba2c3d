"""One home for errors: only server/graphql/errors.py turns a domain error's path into a client's field path."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from server.graphql.errors import (
    ARGUMENTS,
    INPUT,
    NotFoundError,
    ValidationError,
    as_graphql_error,
    client_path,
    error_for,
)
from server.services.errors import Conflict, DomainError, Key, NotFound, ValidationFailed, Verbatim

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "server" / "graphql" / "errors.py"
SOURCES = sorted(
    path for package in ("server", "simulator", "plugins") for path in (ROOT / package).rglob("*.py") if path != HOME
)


@pytest.mark.parametrize(
    ("path", "root", "field"),
    [
        (("pools", 2, "hourly_rate"), INPUT, "input.pools[2].hourlyRate"),
        (("id",), ARGUMENTS, "id"),
        (("task_id",), ARGUMENTS, "taskId"),
        (("options", Key("north_pool"), "max_count"), INPUT, "input.options[north_pool].maxCount"),
        (
            ("document", Verbatim("workforce"), Key("Team A.1"), Verbatim("hourly_rate")),
            INPUT,
            "input.document.workforce[Team A.1].hourly_rate",
        ),
        ((), INPUT, "input"),
        (("spikes", 0, "multiplier"), ("input", "variants", 2), "input.variants[2].spikes[0].multiplier"),
        ((), ARGUMENTS, None),
    ],
)
def test_a_path_is_rendered_as_the_client_spelled_it(
    path: tuple[str | int, ...], root: tuple[str | int, ...], field: str | None
) -> None:
    assert client_path(path, root) == field


def test_the_mapper_leaves_the_exception_as_it_was_raised() -> None:
    # given a service's validation failure, in the services' own spelling
    error = ValidationFailed(("milestones", 1, "target_share"), 1.5, "must be within (0, 1]")
    # when the API maps it
    typed = error_for(error, INPUT)
    # then the client reads its own spelling, and the exception still says what the service said
    assert isinstance(typed, ValidationError)
    assert typed.field == "input.milestones[1].targetShare"
    assert typed.message == "input.milestones[1].targetShare must be within (0, 1], got 1.5"
    assert typed.value == "1.5"
    assert error.path == ("milestones", 1, "target_share")
    assert error.message == "milestones[1].target_share must be within (0, 1], got 1.5"


def test_other_failures_keep_their_message_and_gain_the_client_path() -> None:
    missing = error_for(NotFound("Vendor", 7, path=("vendor_id",)), INPUT)
    assert isinstance(missing, NotFoundError)
    assert (missing.field, missing.message, missing.identifier) == ("input.vendorId", "Vendor 7 does not exist", "7")
    clash = error_for(Conflict("a vendor named 'Acme' already exists", path=("name",)), INPUT)
    assert (clash.field, clash.message) == ("input.name", "a vendor named 'Acme' already exists")


def test_query_errors_use_the_same_rendering() -> None:
    refused = as_graphql_error(ValidationFailed(("filter", "vendor_id"), "x", "must be the id of a Vendor"))
    assert refused.message == "filter.vendorId must be the id of a Vendor, got 'x'"
    assert refused.extensions == {"code": "VALIDATION_FAILED", "field": "filter.vendorId"}
    whole = as_graphql_error(DomainError("give one of scenarioId, document and projectId"))
    assert whole.extensions == {"code": "DOMAIN_ERROR"}


def _strings(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    wanted = {tokenize.STRING, getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_MIDDLE", -1)}
    return [(token.start[0], token.string) for token in tokens if token.type in wanted]


def test_no_module_but_the_errors_module_converts_case() -> None:
    converting = re.compile(
        r"to_camel_case|str_converters|def \w*camel\w*\(|\.title\(\)|re\.sub\(.*upper\(\)|_SNAKE\b", re.IGNORECASE
    )
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in SOURCES
        for line in path.read_text().splitlines()
        if converting.search(line)
    ]
    # The permission registry keys mutations by their schema field name, spelled by Strawberry's own converter:
    # a name of the schema, not an error path.
    schema_names = [
        "server/auth/permissions.py: from strawberry.utils.str_converters import to_camel_case",
        "server/auth/permissions.py: MUTATION_ROLES[to_camel_case(resolver.__name__)] = roles",
    ]
    assert found == schema_names


def test_no_service_spells_a_graphql_input_path() -> None:
    below_the_api = [path for path in SOURCES if (ROOT / "server" / "graphql") not in path.parents]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {text}"
        for path in below_the_api
        for number, text in _strings(path)
        if re.match(r"""[rbf]*["']+input\.""", text)
    ]
    assert found == []
