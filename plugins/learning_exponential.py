"""Learning plugin ``exponential``: T(t) = T_inf + (T0 - T_inf) * exp(-t / tau), the default curve.

With ``plateau_share = 0.70`` and ``tau_weeks = 1.75`` a labeler is about 30% faster after six weeks and then
plateaus, which is how individual learning curves are usually fitted.
"""

from __future__ import annotations

import math

from plugins._params import positive, probability

__all__ = ["ExponentialLearning"]


class ExponentialLearning:
    def __init__(self, plateau_share: float = 0.70, tau_weeks: float = 1.75) -> None:
        self.plateau_share = probability("plateau_share", plateau_share)
        if self.plateau_share == 0.0:
            raise ValueError(f"plateau_share must be > 0, got {plateau_share!r}")
        self.tau_weeks = positive("tau_weeks", tau_weeks)

    def time_factor(self, tenure_weeks: float) -> float:
        t = max(0.0, tenure_weeks)
        return self.plateau_share + (1.0 - self.plateau_share) * math.exp(-t / self.tau_weeks)
