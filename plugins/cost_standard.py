"""Cost plugin ``standard``: hourly or per-label labor, a vendor markup, and one-off hiring/training costs."""

from __future__ import annotations

from simulator.interfaces import CostBreakdown, PoolUsage
from simulator.scenario import Review

__all__ = ["StandardCost"]


class StandardCost:
    """Hourly pools pay every paid hour (training too when the pool says so); per-label pools pay each label
    delivered, rework included. The vendor fee is a share of labor."""

    def pool_cost(self, usage: PoolUsage) -> CostBreakdown:
        pool = usage.pool
        if pool.price_per_label is not None:
            labor = usage.labels * pool.price_per_label
        else:
            labor = usage.paid_hours * (pool.hourly_rate or 0.0)
        return CostBreakdown(
            labor=labor,
            vendor_fees=labor * pool.vendor_fee_share,
            hiring=usage.hires * pool.hiring_cost,
            training=usage.trainees * pool.training_cost,
        )

    def review_cost(self, review: Review, reviewer_hours: float) -> CostBreakdown:
        return CostBreakdown(labor=max(0.0, reviewer_hours) * review.reviewer_hourly_rate)
