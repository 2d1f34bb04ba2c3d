"""Learning plugin ``none``: time per label never changes with tenure (queueing checks, veteran pools)."""

from __future__ import annotations

__all__ = ["NoLearning"]


class NoLearning:
    def time_factor(self, tenure_weeks: float) -> float:
        return 1.0
