"""Run leases: which server process executes a simulation run, so that several processes on one database execute
each run exactly once.

Claiming a run turns it RUNNING with this process as ``lease_owner`` and an expiry ``lease_seconds`` ahead; the
owner renews the expiry on a heartbeat while it works. A run is claimable when it is QUEUED, or RUNNING with an
expired lease (its owner was killed, or lost the database), or with none (left by a version without leases). On
PostgreSQL the claim first locks the row with ``FOR UPDATE SKIP LOCKED``, so two processes racing for one run
never wait on each other; SQLite has a single writer, and the conditional UPDATE alone decides there. Expiries
are compared with the servers' clocks, which must agree to well under a lease length.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from server.db.planning import RunStatus, SimulationRun
from server.db.session import Database
from server.db.types import utcnow

__all__ = ["RunLeases", "new_owner_id"]


def new_owner_id() -> str:
    """Names this process in a lease: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claimable(now: Any) -> ColumnElement[bool]:
    expired = or_(SimulationRun.lease_expires_at.is_(None), SimulationRun.lease_expires_at < now)
    return or_(
        SimulationRun.status == RunStatus.QUEUED,
        and_(SimulationRun.status == RunStatus.RUNNING, expired),
    )


class RunLeases:
    """The leases one server process holds on the runs of one database."""

    def __init__(self, database: Database, lease_seconds: float, owner: str | None = None) -> None:
        self.database = database
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = owner or new_owner_id()

    def held(self) -> ColumnElement[bool]:
        """The condition an update of a run this process executes must carry: still RUNNING, still ours."""
        return and_(SimulationRun.status == RunStatus.RUNNING, SimulationRun.lease_owner == self.owner)

    async def claim(self, run_id: int) -> bool:
        """Take ``run_id`` when it is claimable: RUNNING under this process's lease, one more attempt."""
        now = utcnow()
        async with self.database.transaction() as session:
            locked = await session.scalar(
                select(SimulationRun.id)
                .where(SimulationRun.id == run_id, _claimable(now))
                .with_for_update(skip_locked=True)
            )
            if locked is None:
                return False
            claimed = await session.execute(
                update(SimulationRun)
                .where(SimulationRun.id == run_id, _claimable(now))
                .values(
                    status=RunStatus.RUNNING,
                    lease_owner=self.owner,
                    lease_expires_at=now + self.lease,
                    started_at=now,
                    progress=0.0,
                    attempts=SimulationRun.attempts + 1,
                )
            )
            return bool(getattr(claimed, "rowcount", 0))

    async def renew(self, run_ids: Iterable[int]) -> set[int]:
        """Push the expiry of our leases on ``run_ids`` forward; returns the ids still ours and RUNNING."""
        ids = sorted(set(run_ids))
        if not ids:
            return set()
        async with self.database.transaction() as session:
            await session.execute(
                update(SimulationRun)
                .where(SimulationRun.id.in_(ids), self.held())
                .values(lease_expires_at=utcnow() + self.lease)
            )
            kept = await session.scalars(select(SimulationRun.id).where(SimulationRun.id.in_(ids), self.held()))
            return set(kept)

    async def claimable(self) -> list[int]:
        """Runs any process may claim now, oldest first."""
        async with self.database.session() as session:
            ids = await session.scalars(select(SimulationRun.id).where(_claimable(utcnow())).order_by(SimulationRun.id))
            return list(ids)

    async def release(self) -> None:
        """Give back every run this process holds (a clean shutdown): QUEUED, for another process to take now."""
        async with self.database.transaction() as session:
            await session.execute(
                update(SimulationRun)
                .where(self.held())
                .values(status=RunStatus.QUEUED, lease_owner=None, lease_expires_at=None, progress=0.0, started_at=None)
            )
