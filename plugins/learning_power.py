"""Learning plugin ``power``: Wright's law T(t) = T0 * (1 + t / unit)^-b with a floor.

Without the floor a power law keeps improving forever; averages over many labelers look like this curve.
"""

from __future__ import annotations

from plugins._params import at_least, positive, probability

__all__ = ["PowerLearning"]


class PowerLearning:
    def __init__(self, exponent: float = 0.2, unit_weeks: float = 1.0, floor: float = 0.6) -> None:
        self.exponent = at_least("exponent", exponent, 0.0)
        self.unit_weeks = positive("unit_weeks", unit_weeks)
        self.floor = probability("floor", floor)
        if self.floor == 0.0:
            raise ValueError(f"floor must be > 0, got {floor!r}")

    def time_factor(self, tenure_weeks: float) -> float:
        t = max(0.0, tenure_weeks)
        return max(self.floor, (1.0 + t / self.unit_weeks) ** -self.exponent)
