"""The slice of labeling work a metric covers: a project, vendor or labeler (or all), over a time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from server.db.models import Label, Labeler, Task
from server.services.errors import ValidationFailed

__all__ = ["Scope"]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which labels count: filters are combined with AND; the window is half-open, start <= t < end.

    Labels are placed in time by `submitted_at`, reviews by their `created_at`, task completions by `completed_at`.
    A day is the window [midnight UTC, next midnight UTC), see `Scope.day`.
    """

    project_id: int | None = None
    vendor_id: int | None = None
    labeler_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValidationFailed(name, value, "must be timezone-aware")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationFailed("end", self.end, f"must be after start {self.start.isoformat()}")

    @classmethod
    def day(cls, day: date, **filters: Any) -> Scope:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return cls(start=start, end=start + timedelta(days=1), **filters)

    @property
    def whole_days(self) -> bool:
        """The window starts and ends at UTC midnights (or is open): the per-day rollups answer it exactly."""
        return all(value is None or value.astimezone(UTC).time() == time(0) for value in (self.start, self.end))

    def in_days(self, column: Any) -> list[ColumnElement[bool]]:
        """The window on a 'YYYY-MM-DD' day column, for a whole-days window."""
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= self.start.astimezone(UTC).date().isoformat())
        if self.end is not None:
            conditions.append(column < self.end.astimezone(UTC).date().isoformat())
        return conditions

    def in_window(self, column: Any) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions

    def who(self) -> list[ColumnElement[bool]]:
        """Project, vendor and labeler filters on a query that joins Label, Task and Labeler."""
        conditions: list[ColumnElement[bool]] = []
        if self.project_id is not None:
            conditions.append(Task.project_id == self.project_id)
        if self.vendor_id is not None:
            conditions.append(Labeler.vendor_id == self.vendor_id)
        if self.labeler_id is not None:
            conditions.append(Label.labeler_id == self.labeler_id)
        return conditions

    def labels(self) -> list[ColumnElement[bool]]:
        """Everything that selects a label in scope (on a Label ⋈ Task ⋈ Labeler join)."""
        return [*self.who(), *self.in_window(Label.submitted_at)]
