"""A small builder of labeling records for the analytics tests: rows written directly with the ORM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import (
    DataType,
    IssueStatus,
    LabelStatus,
    PricingModel,
    ReviewVerdict,
    TaskStatus,
    WorkforceType,
)
from server.db.models import Issue, Label, Labeler, Project, Review, Task, Vendor
from server.services.completion_rollups import completion_changed
from server.services.rollups import (
    consensus_changed,
    consensus_facts,
    label_changed,
    label_facts,
    review_added,
    review_facts,
    reviewer_labour_added,
)

# A Monday, midnight UTC: day k of the fixtures starts at T0 + k days.
T0 = datetime(2024, 3, 4, tzinfo=UTC)


def day(k: float, hours: float = 0.0) -> datetime:
    return T0 + timedelta(days=k, hours=hours)


class World:
    """Writes rows through one session; ids are assigned on flush so tests can refer to them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._counter = 0
        self.reviewed: set[int] = set()  # ids of the labels given a review

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    async def _add(self, row: Any) -> Any:
        self.session.add(row)
        await self.session.flush()
        return row

    async def vendor(self, pricing: PricingModel = PricingModel.HOURLY, rate: float = 0.0) -> Vendor:
        return await self._add(
            Vendor(name=f"vendor {self._next()}", workforce_type=WorkforceType.CROWD, pricing_model=pricing, rate=rate)
        )

    async def project(self, **fields: Any) -> Project:
        return await self._add(Project(name=f"project {self._next()}", data_type=DataType.IMAGE, **fields))

    async def labeler(self, vendor: Vendor, hourly_rate: float = 0.0) -> Labeler:
        return await self._add(Labeler(vendor_id=vendor.id, name=f"labeler {self._next()}", hourly_rate=hourly_rate))

    async def task(self, project: Project, created_at: datetime = T0, **fields: Any) -> Task:
        fields.setdefault("status", TaskStatus.TO_LABEL)
        task = await self._add(
            Task(project_id=project.id, external_id=f"t{self._next()}", created_at=created_at, **fields)
        )
        if task.completed_at is not None:
            # Like `sync_task_status`, keep the completion rollups in step.
            await completion_changed(self.session, task.id, 1)
        return task

    async def label(
        self,
        task: Task,
        labeler: Labeler,
        *,
        answer: Any = None,
        at: datetime = T0,
        seconds: float = 10.0,
        status: LabelStatus = LabelStatus.ACCEPTED,
        rework_seconds: float = 0.0,
        rework_count: int = 0,
    ) -> Label:
        consensus_before = await consensus_facts(self.session, task)
        label = await self._add(
            Label(
                task_id=task.id,
                labeler_id=labeler.id,
                answer={"c": "cat"} if answer is None else answer,
                status=status,
                started_at=at - timedelta(seconds=seconds),
                submitted_at=at,
                seconds_to_label=seconds,
                rework_seconds=rework_seconds,
                rework_count=rework_count,
            )
        )
        # Like every writer of labels, keep the per-day rollups in step.
        await label_changed(self.session, None, label_facts(label, task, reviewed=False))
        await consensus_changed(self.session, consensus_before, await consensus_facts(self.session, task))
        return label

    async def review(
        self, label: Label, reviewer: Labeler, verdict: ReviewVerdict, *, seconds: float, at: datetime
    ) -> Review:
        review = await self._add(
            Review(
                label_id=label.id, reviewer_id=reviewer.id, verdict=verdict, seconds_to_review=seconds, created_at=at
            )
        )
        # Like `review_label`, keep the per-day review rollups in step.
        task = await self.session.get(Task, label.task_id)
        assert task is not None
        facts = review_facts(review, label, task)
        await review_added(self.session, facts)
        await reviewer_labour_added(self.session, facts)
        if label.id not in self.reviewed:
            # The label now counts as reviewed (its verdict is set by the caller, not by the review).
            self.reviewed.add(label.id)
            before = label_facts(label, task, reviewed=False)
            await label_changed(self.session, before, label_facts(label, task, reviewed=True))
        return review

    async def issue(
        self,
        project: Project,
        *,
        at: datetime,
        resolved_at: datetime | None = None,
        label: Label | None = None,
        task: Task | None = None,
        raised_by: Labeler | None = None,
    ) -> Issue:
        return await self._add(
            Issue(
                project_id=project.id,
                label_id=None if label is None else label.id,
                task_id=task.id if task is not None else (None if label is None else label.task_id),
                raised_by_id=None if raised_by is None else raised_by.id,
                title=f"issue {self._next()}",
                created_at=at,
                status=IssueStatus.OPEN if resolved_at is None else IssueStatus.RESOLVED,
                resolved_at=resolved_at,
            )
        )
