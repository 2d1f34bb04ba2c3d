"""The demo generator's shared vocabulary: its window, its learning curve, the rows it writes and the people and
clock behind them (`generate` draws the people, `work` their projects' tasks, labels and reviews)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from server.services.demo.catalog import VendorSpec
from server.services.demo.queue import ShiftPattern

__all__ = ["CURVE_FLOOR", "CURVE_TAU_WEEKS", "WINDOW_DAYS", "Clock", "DemoRows", "Person"]

WINDOW_DAYS = 56
CURVE_FLOOR = 0.64
CURVE_TAU_WEEKS = 1.5


@dataclass
class DemoRows:
    """Rows per table, parents first; local indexes in foreign-key fields."""

    vendors: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    project_vendors: list[dict[str, Any]] = field(default_factory=list)
    labelers: list[dict[str, Any]] = field(default_factory=list)
    stage_events: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    # Versions of each project's guidelines; `issue_titles` names the project's issues a version settles.
    guideline_versions: list[dict[str, Any]] = field(default_factory=list)
    labeler_rates: list[dict[str, Any]] = field(default_factory=list)  # rate history (server.db.rates)
    channels: list[dict[str, Any]] = field(default_factory=list)  # vendors' communication channels


@dataclass
class Person:
    """A labeler or reviewer as the generator draws them; days are floats from the window start."""

    index: int
    vendor: VendorSpec
    projects: tuple[str, ...]
    production_day: float  # np.inf when not reached by the anchor
    offboard_day: float  # np.inf when still active
    speed: float
    error_rate: float
    shift: ShiftPattern
    reviewer: bool


class Clock:
    """Converts float days from the window start into UTC datetimes, rounded to whole seconds."""

    def __init__(self, start: datetime) -> None:
        self.start = start

    def __call__(self, day: float) -> datetime:
        return self.start + timedelta(seconds=round(float(day) * 86400.0))
