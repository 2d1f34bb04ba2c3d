"""Parameter checks shared by the built-in plugins; messages start with the parameter name."""

from __future__ import annotations

import math

__all__ = ["at_least", "positive", "probability"]


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
