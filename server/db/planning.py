"""The planning records: stored scenario versions and the simulation runs made from them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.models import Base
from server.db.types import enum_column_type, utcnow

__all__ = ["RunStatus", "SimulationRun", "StoredScenario"]


class RunStatus(enum.StrEnum):
    """A run's life: QUEUED -> RUNNING -> DONE | FAILED | CANCELLED (a restart puts RUNNING back to QUEUED)."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        return self in (RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED)


class StoredScenario(Base):
    """One immutable version of a named scenario document; editing a scenario writes version n + 1."""

    __tablename__ = "stored_scenarios"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_stored_scenarios_name_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column()
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    runs: Mapped[list[SimulationRun]] = relationship(back_populates="scenario")


class SimulationRun(Base):
    """A Monte Carlo run of one scenario version: its request, its progress and, once finished, its outcome."""

    __tablename__ = "simulation_runs"
    __table_args__ = (Index("ix_simulation_runs_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("stored_scenarios.id"), index=True)
    status: Mapped[RunStatus] = mapped_column(enum_column_type(RunStatus), default=RunStatus.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    replications: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    executor: Mapped[str] = mapped_column(String(200), default="local")
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # The lease of the server process executing the run: it renews the expiry while it works; another process
    # takes the run over only once the expiry has passed (its owner died or lost the database).
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)

    scenario: Mapped[StoredScenario] = relationship(back_populates="runs")
