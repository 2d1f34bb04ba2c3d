"""A small labeling workspace the workflow tests start from, and tests of the task-status rule itself.

Given one ACTIVE image project reviewing every label, its vendor, five labelers at different stages (all members),
an ordinary task, a consensus task needing two labels and a benchmark task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.db.enums import DataType, LabelerStage, LabelStatus, PricingModel, ProjectStatus, TaskStatus, VendorStatus
from server.db.enums import WorkforceType as Workforce
from server.db.models import Labeler, Project, ProjectMembership, Task, Vendor
from server.services.workflow import label_needs_review, task_status_from_labels

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_Result = TypeVar("_Result")


async def run(database: Database, operation: Callable[[AsyncSession], Awaitable[_Result]]) -> _Result:
    """Run one operation in its own transaction, as the API does: committed, or rolled back on any error."""
    async with database.transaction() as session:
        return await operation(session)


def at(minutes: float) -> datetime:
    """A time `minutes` after the workspace's tasks were created."""
    return T0 + timedelta(minutes=minutes)


@dataclass(frozen=True)
class World:
    vendor: int
    project: int
    alice: int
    bob: int
    carol: int
    tess: int  # TESTING
    henry: int  # HIRING
    task: int
    consensus: int  # labels_required = 2
    benchmark: int


async def build_world(database: Database, *, review_share: float = 1.0) -> World:
    async with database.transaction() as session:
        vendor = Vendor(
            name="Acme Labeling",
            workforce_type=Workforce.FULL_TIME,
            data_types=["IMAGE"],
            pricing_model=PricingModel.HOURLY,
            rate=12.0,
            status=VendorStatus.ONBOARDED,
            trial_quality=0.97,
        )
        project = Project(
            name="Street scenes",
            data_type=DataType.IMAGE,
            status=ProjectStatus.ACTIVE,
            review_share=review_share,
            vendors=[vendor],
        )
        session.add_all([vendor, project])
        await session.flush()
        stages = {
            "alice": LabelerStage.PRODUCTION,
            "bob": LabelerStage.PRODUCTION,
            "carol": LabelerStage.PRODUCTION,
            "tess": LabelerStage.TESTING,
            "henry": LabelerStage.HIRING,
        }
        labelers = {name: Labeler(vendor_id=vendor.id, name=name, stage=stage) for name, stage in stages.items()}
        session.add_all(labelers.values())
        await session.flush()
        session.add_all(ProjectMembership(project_id=project.id, labeler_id=lab.id) for lab in labelers.values())
        tasks = {
            "task": Task(project_id=project.id, external_id="img-1", created_at=T0),
            "consensus": Task(project_id=project.id, external_id="img-2", created_at=T0, labels_required=2),
            "benchmark": Task(
                project_id=project.id, external_id="img-3", created_at=T0, is_benchmark=True, gold_answer={"cls": "car"}
            ),
        }
        session.add_all(tasks.values())
        await session.flush()
        return World(
            vendor=vendor.id,
            project=project.id,
            **{name: lab.id for name, lab in labelers.items()},
            **{name: task.id for name, task in tasks.items()},
        )


# --- the status rule -----------------------------------------------------------------------------------------

S, A, R = LabelStatus.SUBMITTED, LabelStatus.ACCEPTED, LabelStatus.REJECTED


@pytest.mark.parametrize(
    ("required", "statuses", "expected"),
    [
        (1, [], TaskStatus.TO_LABEL),
        (1, [S], TaskStatus.IN_REVIEW),
        (1, [R], TaskStatus.IN_REWORK),
        (1, [A], TaskStatus.DONE),
        (2, [A], TaskStatus.TO_LABEL),
        (2, [A, S], TaskStatus.IN_REVIEW),
        (2, [S, R], TaskStatus.IN_REWORK),
        (2, [A, A], TaskStatus.DONE),
        (1, [A, S], TaskStatus.DONE),  # a benchmark keeps taking labels once done
        (3, [A, A, R], TaskStatus.IN_REWORK),
    ],
)
def test_task_status_follows_from_labels(required: int, statuses: list[LabelStatus], expected: TaskStatus) -> None:
    assert task_status_from_labels(required, statuses) is expected


def test_review_sampling_is_stable_and_near_the_share() -> None:
    # given a share of 30%, when 4000 label ids are sampled, then about 30% are reviewed, the same way each time
    picks = [label_needs_review(label_id, 0.3) for label_id in range(1, 4001)]
    assert picks == [label_needs_review(label_id, 0.3) for label_id in range(1, 4001)]
    assert 0.27 < sum(picks) / len(picks) < 0.33
    assert all(label_needs_review(label_id, 1.0) for label_id in range(1, 100))
    assert not any(label_needs_review(label_id, 0.0) for label_id in range(1, 100))
