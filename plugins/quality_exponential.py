"""Quality plugin ``exponential``: error probability falls from ``initial`` to ``plateau`` with tenure."""

from __future__ import annotations

import math

from plugins._params import positive, probability

__all__ = ["ExponentialQuality"]


class ExponentialQuality:
    def __init__(self, initial: float = 0.15, plateau: float = 0.03, tau_weeks: float = 2.0) -> None:
        self.initial = probability("initial", initial)
        self.plateau = probability("plateau", plateau)
        if self.plateau > self.initial:
            raise ValueError(f"plateau must be <= initial ({initial!r}), got {plateau!r}")
        self.tau_weeks = positive("tau_weeks", tau_weeks)

    def error_probability(self, tenure_weeks: float) -> float:
        t = max(0.0, tenure_weeks)
        return self.plateau + (self.initial - self.plateau) * math.exp(-t / self.tau_weeks)
