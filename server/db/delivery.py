"""A project's delivery plan: milestones (a date and a target count or share of tasks done), the expected time per
task, and budget checkpoints (planned spend by a date). Set whole by `setDeliveryPlan`; actuals are read against
it by `server.services.analytics.delivery`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import utcnow

__all__ = ["BudgetCheckpoint", "DeliveryPlan", "PlanMilestone"]


class DeliveryPlan(Base):
    """The plan's scalar parts; one per project."""

    __tablename__ = "delivery_plans"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    expected_seconds_per_task: Mapped[float | None] = mapped_column(Float, default=None)
    author: Mapped[str] = mapped_column(String(320), default="system")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanMilestone(Base):
    """By `due_at`, `target_tasks` tasks done, or `target_share` of the project's tasks (exactly one is set)."""

    __tablename__ = "plan_milestones"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_plan_milestones_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column()
    target_tasks: Mapped[int | None] = mapped_column(Integer, default=None)
    target_share: Mapped[float | None] = mapped_column(Float, default=None)


class BudgetCheckpoint(Base):
    """No more than `planned_spend` spent by `at`."""

    __tablename__ = "budget_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    planned_spend: Mapped[float] = mapped_column(Float)
