"""The checks scenario parts run on their values: each failure is a ScenarioError naming the field path and the
bad value (`fail`), so every constructor in `simulator.scenario` words its errors the same way."""

from __future__ import annotations

import math

__all__ = [
    "MAX_WAIT_VALUES",
    "ScenarioError",
    "above",
    "at_least",
    "between",
    "fail",
    "finite",
    "hours_list",
    "integer_at_least",
    "non_empty",
    "number",
]


class ScenarioError(ValueError):
    """A scenario value is invalid; the message names the field path and the bad value.

    ``path`` is that field path on its own (``workforce[Northwind Annotation].hourly_rate``) when the raiser knows
    it: pool and project names may hold spaces, so the path cannot be told apart from the message reliably.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


def fail(path: str, rule: str, value: object) -> ScenarioError:
    return ScenarioError(f"{path} {rule}, got {value!r}", path=path)


def number(path: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise fail(path, "must be a number", value)
    return float(value)


def at_least(path: str, value: object, low: float) -> None:
    if number(path, value) < low:
        raise fail(path, f"must be >= {low:g}", value)


def above(path: str, value: object, low: float) -> None:
    if number(path, value) <= low:
        raise fail(path, f"must be > {low:g}", value)


def between(path: str, value: object, low: float, high: float) -> None:
    checked = number(path, value)
    if not low <= checked <= high:
        raise fail(path, f"must be between {low:g} and {high:g}", value)


def finite(path: str, value: object) -> None:
    if not math.isfinite(number(path, value)):
        raise fail(path, "must be finite", value)


def integer_at_least(path: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, "must be an integer", value)
    if value < low:
        raise fail(path, f"must be >= {low}", value)


def non_empty(path: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise fail(path, "must be a non-empty string", value)


#: Most values a recorded wait may list: the quantiles of a fit, not the raw records.
MAX_WAIT_VALUES = 200


def hours_list(path: str, values: object) -> tuple[float, ...]:
    if not isinstance(values, tuple | list):
        raise fail(path, "must be a list of hours", values)
    if len(values) > MAX_WAIT_VALUES:
        raise fail(path, f"must list at most {MAX_WAIT_VALUES} values", len(values))
    for i, value in enumerate(values):
        at_least(f"{path}[{i}]", value, 0.0)
        finite(f"{path}[{i}]", value)
    return tuple(float(v) for v in values)
