"""A small two-vendor, two-project workspace with one user per role, for access-control tests.

Vendors A and B work on project P1, vendor B alone on P2. A's labelers a1 and r1 and B's labeler b2 are members of
P1; B's labeler b1 is a member of P2. Task t1 (P1) has label l1 by a1 (reviewed by r1) and l3 by b2; task t2 (P2)
has label l2 by b1; t3 (P1) is a benchmark with a gold answer. Issues: i1 by a1 on l1, i2 by b1 on t2, i3 by b2 on
l3. Users: admin, pm (P1), vm (A), reviewer (P1, as r1),
labeler (a1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from strawberry.relay import GlobalID

from server.auth.keys import issue_key
from server.auth.users import UserScope, create_user
from server.db import Database
from server.db import models as m
from server.db.access import Role
from server.db.enums import (
    DataType,
    LabelerStage,
    LabelStatus,
    PricingModel,
    ProjectStatus,
    ReviewVerdict,
    TaskStatus,
    VendorStatus,
    WorkforceType,
)

__all__ = ["AccessWorld", "build_access_world", "gid"]


def gid(type_name: str, key: int) -> str:
    return str(GlobalID(type_name, str(key)))


@dataclass
class AccessWorld:
    ids: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def gid(self, type_name: str, name: str) -> str:
        return gid(type_name, self.ids[name])

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


async def build_access_world(database: Database) -> AccessWorld:
    world = AccessWorld()
    start = datetime.now(UTC) - timedelta(days=2)
    async with database.transaction() as session:

        def vendor(name: str, rate: float) -> m.Vendor:
            return m.Vendor(
                name=name,
                workforce_type=WorkforceType.CROWD,
                pricing_model=PricingModel.HOURLY,
                rate=rate,
                status=VendorStatus.ONBOARDED,
            )

        va, vb = vendor("Vendor A", 11.0), vendor("Vendor B", 22.0)
        p1 = m.Project(name="P1", data_type=DataType.IMAGE, status=ProjectStatus.ACTIVE, vendors=[va, vb])
        p2 = m.Project(name="P2", data_type=DataType.TEXT, status=ProjectStatus.ACTIVE, vendors=[vb])
        session.add_all([va, vb, p1, p2])
        await session.flush()
        a1 = m.Labeler(vendor_id=va.id, name="a1", stage=LabelerStage.PRODUCTION, hourly_rate=5)
        r1 = m.Labeler(vendor_id=va.id, name="r1", stage=LabelerStage.PRODUCTION, hourly_rate=6)
        b1 = m.Labeler(vendor_id=vb.id, name="b1", stage=LabelerStage.PRODUCTION, hourly_rate=7)
        b2 = m.Labeler(vendor_id=vb.id, name="b2", stage=LabelerStage.PRODUCTION, hourly_rate=8)
        session.add_all([a1, r1, b1, b2])
        await session.flush()
        session.add_all(
            [
                m.ProjectMembership(project_id=p1.id, labeler_id=a1.id),
                m.ProjectMembership(project_id=p1.id, labeler_id=r1.id),
                m.ProjectMembership(project_id=p2.id, labeler_id=b1.id),
                m.ProjectMembership(project_id=p1.id, labeler_id=b2.id),
            ]
        )
        t1 = m.Task(project_id=p1.id, external_id="t1", created_at=start, status=TaskStatus.IN_REVIEW)
        t2 = m.Task(project_id=p2.id, external_id="t2", created_at=start, status=TaskStatus.IN_REVIEW)
        t3 = m.Task(project_id=p1.id, external_id="t3", created_at=start, is_benchmark=True, gold_answer={"c": 1})
        session.add_all([t1, t2, t3])
        await session.flush()
        label_times: dict[str, Any] = {
            "started_at": start + timedelta(hours=1),
            "submitted_at": start + timedelta(hours=1, minutes=1),
            "seconds_to_label": 60.0,
        }
        l1 = m.Label(task_id=t1.id, labeler_id=a1.id, answer={"c": 1}, status=LabelStatus.SUBMITTED, **label_times)
        l2 = m.Label(task_id=t2.id, labeler_id=b1.id, answer={"c": 2}, status=LabelStatus.SUBMITTED, **label_times)
        l3 = m.Label(task_id=t1.id, labeler_id=b2.id, answer={"c": 3}, status=LabelStatus.SUBMITTED, **label_times)
        session.add_all([l1, l2, l3])
        await session.flush()
        rv1 = m.Review(label_id=l1.id, reviewer_id=r1.id, verdict=ReviewVerdict.THUMBS_UP, seconds_to_review=5.0)
        i1 = m.Issue(project_id=p1.id, label_id=l1.id, task_id=t1.id, raised_by_id=a1.id, title="unclear")
        i2 = m.Issue(project_id=p2.id, task_id=t2.id, raised_by_id=b1.id, title="blurry")
        i3 = m.Issue(project_id=p1.id, label_id=l3.id, task_id=t1.id, raised_by_id=b2.id, title="late")
        session.add_all([rv1, i1, i2, i3])
        await session.flush()
        rows: dict[str, Any] = {
            "va": va,
            "vb": vb,
            "p1": p1,
            "p2": p2,
            "a1": a1,
            "r1": r1,
            "b1": b1,
            "b2": b2,
            "t1": t1,
            "t2": t2,
            "t3": t3,
            "l1": l1,
            "l2": l2,
            "l3": l3,
            "rv1": rv1,
            "i1": i1,
            "i2": i2,
            "i3": i3,
        }
        for name, row in rows.items():
            world.ids[name] = row.id
        users = {
            "admin": (Role.ADMIN, UserScope()),
            "pm": (Role.PROGRAM_MANAGER, UserScope(project_ids=[p1.id])),
            "vm": (Role.VENDOR_MANAGER, UserScope(vendor_id=va.id)),
            "reviewer": (Role.REVIEWER, UserScope(project_ids=[p1.id], labeler_id=r1.id)),
            "labeler": (Role.LABELER, UserScope(labeler_id=a1.id)),
        }
        for name, (role, scope) in users.items():
            user = await create_user(session, email=f"{name}@example.com", name=name, role=role, scope=scope)
            world.ids[f"user:{name}"] = user.id
            world.keys[name] = (await issue_key(session, user, name="test")).token
    return world
