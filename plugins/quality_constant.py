"""Quality plugin ``constant``: the same error probability at every tenure."""

from __future__ import annotations

from plugins._params import probability

__all__ = ["ConstantQuality"]


class ConstantQuality:
    def __init__(self, error_probability: float = 0.05) -> None:
        self.probability = probability("error_probability", error_probability)

    def error_probability(self, tenure_weeks: float) -> float:
        return self.probability
