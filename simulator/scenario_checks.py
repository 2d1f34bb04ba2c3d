"""Checks every part of a scenario runs on its values, and the error they raise: the field path as parts (pool and
project names may hold spaces and dots) beside the requirement and the bad value."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import cast

__all__ = [
    "ITEM",
    "MAX_WAIT_VALUES",
    "Key",
    "ScenarioError",
    "ScenarioPath",
    "above",
    "at_least",
    "between",
    "check_name",
    "check_number",
    "finite",
    "hours_list",
    "int_at_least",
    "int_between",
    "invalid",
    "path_text",
    "weekdays",
]


class Key(str):
    """A path part that is a name the document chose (a pool's, a project's): shown in brackets, as written."""

    __slots__ = ()


# A path to a value: keys and list indexes from the document's root, ``("workforce", Key("night"), "hourly_rate")``.
ScenarioPath = tuple[str | int, ...]

# An item of a list whose place the validating part does not know; the loader puts the index or name in its place.
ITEM = Key("")


def path_text(path: ScenarioPath) -> str:
    """``path`` as the messages spell it: ``workforce[night].hourly_rate``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int | Key) else f".{part}" if text else str(part)
    return text


class ScenarioError(ValueError):
    """A scenario value is invalid; the message names the field path and the bad value.

    ``path`` is that field path on its own as parts (pool and project names may hold spaces and dots, so a path
    read back out of the message would be ambiguous); None when the error concerns no one field.
    """

    def __init__(
        self, message: str, *, path: ScenarioPath | None = None, requirement: str | None = None, value: object = None
    ) -> None:
        if isinstance(path, str):
            raise TypeError(f"a path is a tuple of parts, got the string {path!r}")
        super().__init__(message)
        self.path = path
        # What the value must be and the value given, when the message is "<path> <requirement>, got <value>":
        # the server then says the same with the path as its client spelled it.
        self.requirement = requirement
        self.value = value


def invalid(path: ScenarioPath, requirement: str, value: object) -> ScenarioError:
    """The error for ``value`` at ``path`` failing ``requirement``: "<path> <requirement>, got <value>"."""
    return ScenarioError(
        f"{path_text(path)} {requirement}, got {value!r}", path=path, requirement=requirement, value=value
    )


def check_number(path: ScenarioPath, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise invalid(path, "must be a number", value)
    return float(value)


def at_least(path: ScenarioPath, value: object, low: float) -> None:
    if check_number(path, value) < low:
        raise invalid(path, f"must be >= {low:g}", value)


def above(path: ScenarioPath, value: object, low: float) -> None:
    if check_number(path, value) <= low:
        raise invalid(path, f"must be > {low:g}", value)


def between(path: ScenarioPath, value: object, low: float, high: float) -> None:
    number = check_number(path, value)
    if not low <= number <= high:
        raise invalid(path, f"must be between {low:g} and {high:g}", value)


# Money per hour, per label or per person: more is a typo, and summed over a horizon it overflowed to infinity.
MAX_AMOUNT = 1e9


def amount(path: ScenarioPath, value: object) -> None:
    at_least(path, value, 0.0)
    if check_number(path, value) > MAX_AMOUNT:
        raise invalid(path, f"must be at most {MAX_AMOUNT:g}", value)


def finite(path: ScenarioPath, value: object) -> None:
    if not math.isfinite(check_number(path, value)):
        raise invalid(path, "must be finite", value)


def int_at_least(path: ScenarioPath, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(path, "must be an integer", value)
    if value < low:
        raise invalid(path, f"must be >= {low}", value)


def int_between(path: ScenarioPath, value: object, low: int, high: int) -> None:
    int_at_least(path, value, low)
    assert isinstance(value, int)
    if value > high:
        raise invalid(path, f"must be at most {high:,}", value)


def check_name(path: ScenarioPath, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise invalid(path, "must be a non-empty string", value)


#: Most values a recorded wait may list: the quantiles of a fit, not the raw records.
MAX_WAIT_VALUES = 200


def hours_list(path: ScenarioPath, values: object) -> tuple[float, ...]:
    if not isinstance(values, tuple | list):
        raise invalid(path, "must be a list of hours", values)
    if len(values) > MAX_WAIT_VALUES:
        raise invalid(path, f"must list at most {MAX_WAIT_VALUES} values", len(values))
    for i, value in enumerate(values):
        at_least((*path, i), value, 0.0)
        finite((*path, i), value)
    return tuple(float(v) for v in values)


def weekdays(path: ScenarioPath, values: Iterable[object]) -> tuple[int, ...]:
    """Days of the week as a tuple: at least one, each an integer from 0 (Monday) to 6, none repeated."""
    days = tuple(values)
    if not days:
        raise invalid(path, "must name at least one day", list(days))
    if any(isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        raise invalid(path, "must hold integers 0 (Monday) to 6", list(days))
    if len(set(days)) != len(days):
        raise invalid(path, "must not repeat a day", list(days))
    return cast(tuple[int, ...], days)
