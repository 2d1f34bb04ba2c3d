"""Training against production: labels placed by their author's stage when started, figures per stage against
counts by hand, and the gap between stages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from strawberry import relay

from server.db import Database
from server.db.enums import DataType, LabelerStage, LabelStatus, ReviewVerdict
from server.db.models import Label, Labeler, LabelerStageEvent, Review, Task, Vendor
from server.services.analytics.stages import fetch_stage_comparison
from server.services.crud.projects import ProjectFields, create_project
from tests.server.graphql_client import expect_data

T0 = datetime(2026, 1, 5, tzinfo=UTC)

COMPARISON = """
query($vendorId: ID, $by: StageGrouping!) {
  stageComparison(vendorId: $vendorId, by: $by) {
    __typename
    ... on StageComparison {
      figures { stage labels secondsPerLabel { value } benchmarkAccuracy { value n } approval { value n } }
      gaps { fromStage toStage secondsPerLabel { value } benchmarkAccuracy { value } }
    }
    ... on UserError { field }
  }
}
"""


async def _world(database: Database) -> tuple[int, int]:
    """One labeler: TESTING from T0, PRODUCTION from T0 + 5 days. In testing, 4 benchmark labels of 60 s, 2 right;
    in production, 4 benchmark labels of 30 s, all right, and 2 other labels of 40 s, reviewed up and down."""
    async with database.transaction() as session:
        project = await create_project(session, ProjectFields(name="P", data_type=DataType.TEXT))
        vendor = Vendor(name="V", workforce_type="CROWD", pricing_model="HOURLY", rate=1.0)
        session.add(vendor)
        await session.flush()
        labeler = Labeler(vendor_id=vendor.id, name="L")
        reviewer = Labeler(vendor_id=vendor.id, name="R")
        session.add_all([labeler, reviewer])
        await session.flush()
        project_id, vendor_id, labeler_id, reviewer_id = project.id, vendor.id, labeler.id, reviewer.id
        session.add_all(
            [
                LabelerStageEvent(labeler_id=labeler_id, stage=LabelerStage.TESTING, entered_at=T0),
                LabelerStageEvent(
                    labeler_id=labeler_id, stage=LabelerStage.PRODUCTION, entered_at=T0 + timedelta(days=5)
                ),
            ]
        )
        plan: list[tuple[int, bool, str, float]] = [  # (day, benchmark, answer, seconds)
            *[(1, True, "a" if i < 2 else "b", 60.0) for i in range(4)],
            *[(6, True, "a", 30.0) for _ in range(4)],
            *[(7, False, "a", 40.0) for _ in range(2)],
        ]
        tasks = [
            {
                "project_id": project_id,
                "external_id": f"t{i}",
                "created_at": T0,
                "is_benchmark": benchmark,
                "gold_answer": {"x": "a"} if benchmark else None,
            }
            for i, (_, benchmark, _, _) in enumerate(plan)
        ]
        task_ids = (await session.execute(insert(Task).returning(Task.id), tasks)).scalars().all()
        labels: list[dict[str, Any]] = [
            {
                "task_id": task_ids[i],
                "labeler_id": labeler_id,
                "answer": {"x": answer},
                "status": LabelStatus.ACCEPTED,
                "started_at": T0 + timedelta(days=day),
                "submitted_at": T0 + timedelta(days=day, seconds=seconds),
                "seconds_to_label": seconds,
            }
            for i, (day, _, answer, seconds) in enumerate(plan)
        ]
        label_ids = (await session.execute(insert(Label).returning(Label.id), labels)).scalars().all()
        await session.execute(
            insert(Review),
            [
                {
                    "label_id": label_ids[8 + k],
                    "reviewer_id": reviewer_id,
                    "verdict": verdict,
                    "seconds_to_review": 5.0,
                    "created_at": T0 + timedelta(days=8),
                }
                for k, verdict in enumerate((ReviewVerdict.THUMBS_UP, ReviewVerdict.THUMBS_DOWN))
            ],
        )
    return project_id, vendor_id


async def test_labels_count_under_the_stage_their_author_was_in_and_the_gap_is_later_minus_earlier(
    database: Database,
) -> None:
    project_id, _ = await _world(database)

    async with database.session() as session:
        figures, gaps = await fetch_stage_comparison(session, project_id=project_id, by="labeler")

    testing, production = figures
    assert (testing.stage, testing.labels, production.stage, production.labels) == (
        LabelerStage.TESTING,
        4,
        LabelerStage.PRODUCTION,
        6,
    )
    assert testing.seconds_per_label is not None and testing.seconds_per_label.value == 60.0
    assert production.seconds_per_label is not None and production.seconds_per_label.value == pytest.approx(200 / 6)
    assert testing.benchmark_accuracy is not None and testing.benchmark_accuracy.value == 0.5
    assert production.benchmark_accuracy is not None and production.benchmark_accuracy.value == 1.0
    assert testing.approval is None
    assert production.approval is not None and (production.approval.value, production.approval.n) == (0.5, 2)
    (gap,) = gaps
    assert (gap.from_stage, gap.to_stage) == (LabelerStage.TESTING, LabelerStage.PRODUCTION)
    assert gap.seconds_per_label is not None and gap.seconds_per_label.value == pytest.approx(200 / 6 - 60)
    assert gap.benchmark_accuracy is not None and gap.benchmark_accuracy.value == pytest.approx(0.5)


async def test_stage_comparison_over_graphql_by_vendor(database: Database) -> None:
    _, vendor_id = await _world(database)
    variables = {"vendorId": str(relay.GlobalID("Vendor", str(vendor_id))), "by": "VENDOR"}

    data = (await expect_data(database, COMPARISON, variables))["stageComparison"]

    assert [(f["stage"], f["labels"]) for f in data["figures"]] == [("TESTING", 4), ("PRODUCTION", 6)]
    assert data["gaps"][0]["fromStage"] == "TESTING" and data["gaps"][0]["toStage"] == "PRODUCTION"
    assert data["gaps"][0]["secondsPerLabel"]["value"] == pytest.approx(200 / 6 - 60)
