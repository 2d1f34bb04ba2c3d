"""Parameter checks shared by the built-in plugins; messages start with the parameter name."""

from __future__ import annotations

import math

__all__ = ["at_least", "positive", "probability", "whole"]


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def positive(name: str, value: object) -> float:
    number = _number(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def at_least(name: str, value: object, low: float) -> float:
    number = _number(name, value)
    if number < low:
        raise ValueError(f"{name} must be >= {low:g}, got {value!r}")
    return number


def probability(name: str, value: object) -> float:
    number = _number(name, value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return number


def whole(name: str, value: object, low: int) -> int:
    """A count (days of a window, people): an integer, since truncating 0.5 to 0 changes what it means."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    return value
