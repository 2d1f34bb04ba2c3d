"""Before/after a guideline change: figures per version against counts made by hand, the intervals against
published values, and the query's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from server.auth.identity import Viewer
from server.db import Database
from server.db.access import Role
from server.db.enums import DataType, LabelStatus, ReviewVerdict
from server.db.guidelines import GuidelineVersion
from server.db.models import Label, Labeler, Review, Task, Vendor
from server.graphql import Context, schema
from server.services.analytics.guideline_impact import MIN_LABELS, fetch_guideline_impact
from server.services.analytics.intervals import mean_difference, share_difference, t_mean, wilson
from server.services.crud.projects import ProjectFields, create_project
from server.services.guidelines import GuidelineChange, publish_version
from server.settings import Settings

T0 = datetime(2026, 1, 5, tzinfo=UTC)
ONTOLOGY = {"field": "tone", "classes": ["calm", "angry"], "attributes": {"note": "text"}}


def test_wilson_and_t_intervals_match_published_values() -> None:
    # Wilson 95% for 8/10: (0.4902, 0.9433) (Newcombe 1998, table I); 0/10: (0, 0.2775).
    eight = wilson(8, 10)
    assert eight is not None and (round(eight.low, 4), round(eight.high, 4)) == (0.4902, 0.9433)
    none = wilson(0, 10)
    assert none is not None and (none.low, round(none.high, 4)) == (0.0, 0.2775)
    # Newcombe method 10, 56/70 vs 48/80: difference 0.2 with (0.0524, 0.3339) (Newcombe 1998, example (a)).
    difference = share_difference(wilson(48, 80), wilson(56, 70))
    assert difference is not None
    assert (round(difference.value, 4), round(difference.low, 4), round(difference.high, 4)) == (0.2, 0.0524, 0.3339)
    # 1, 2, 3, 4, 5: mean 3, s = 1.5811, t(0.975, 4) = 2.7764, half width 1.9632.
    mean = t_mean(15.0, 55.0, 5)
    assert mean is not None and (round(mean.low, 4), round(mean.high, 4)) == (1.0368, 4.9632)
    welch = mean_difference((15.0, 55.0, 5), (15.0 + 5 * 2, 55.0 + 4 * 15 + 5 * 4, 5))  # the same shifted by 2
    assert welch is not None and welch.value == pytest.approx(2.0) and welch.low < 0 < welch.high


async def _world(database: Database) -> tuple[int, dict[int, int]]:
    """A project with version 1, and version 2 ten days later; 40 labels under each. Under version 1, 10 of the
    20 reviewed labels were sent back; under version 2, 2 of 20. Two consensus tasks per version, one agreeing
    (on the tone, whatever the free-text note); benchmarks: 3 of 4 right under version 1, 4 of 4 under 2."""
    async with database.transaction() as session:
        project = await create_project(session, ProjectFields(name="Tone", data_type=DataType.TEXT, ontology=ONTOLOGY))
        project_id = project.id
        vendor = Vendor(name="V", workforce_type="CROWD", pricing_model="HOURLY", rate=1.0)
        session.add(vendor)
        await session.flush()
        labelers = [Labeler(vendor_id=vendor.id, name=f"L{i}") for i in range(3)]
        session.add_all(labelers)
        await session.flush()
        labeler_ids = [labeler.id for labeler in labelers]
        first = (await session.scalars(select(GuidelineVersion))).one()
        first_id = first.id
        await session.execute(
            GuidelineVersion.__table__.update().values(created_at=T0 - timedelta(days=1))  # before the work
        )
        session.expire_all()
        second = await publish_version(
            session,
            project_id,
            GuidelineChange(change_note="Clearer.", created_at=T0 + timedelta(days=10)),
            author="pm",
        )
        versions = {1: first_id, 2: second.id}
        task_rows: list[dict[str, Any]] = []
        label_rows: list[dict[str, Any]] = []
        review_rows: list[tuple[int, bool]] = []
        for number in (1, 2):
            for i in range(40):
                kind = "plain" if i < 32 else "bench" if i < 36 else "consensus"
                task_rows.append(
                    {
                        "project_id": project_id,
                        "external_id": f"v{number}-{i}",
                        "created_at": T0,
                        "is_benchmark": kind == "bench",
                        "gold_answer": {"tone": "calm"} if kind == "bench" else None,
                        "labels_required": 2 if kind == "consensus" else 1,
                    }
                )
        ids = (await session.execute(insert(Task).returning(Task.id), task_rows)).scalars().all()
        for position, task_id in enumerate(ids):
            number, i = (1, position) if position < 40 else (2, position - 40)
            at = T0 + timedelta(days=0 if number == 1 else 12, minutes=i)
            sent_back = i < 20 and (i < 10 if number == 1 else i < 2)
            tone = "angry" if number == 1 and i == 32 else "calm"  # one wrong benchmark under version 1
            if i >= 36:  # consensus: tasks 36, 37 agree; 38, 39 disagree, so two units (pairs of labelers 0, 1)
                tone = "calm"
            for labeler in (0, 1) if i >= 36 and i % 2 == 0 else (0,):
                answer = {"tone": tone, "note": f"n{labeler}"}
                if i >= 36 and labeler == 1 and i == 38:
                    answer = {"tone": "angry"}
                label_rows.append(
                    {
                        "task_id": task_id,
                        "labeler_id": labeler_ids[labeler],
                        "answer": answer,
                        "status": LabelStatus.ACCEPTED,
                        "started_at": at,
                        "submitted_at": at + timedelta(seconds=10 * number),
                        "seconds_to_label": 10.0 * number + (i % 2),
                        "rework_count": 1 if sent_back else 0,
                        "rework_seconds": 5.0 if sent_back else 0.0,
                        "guideline_version_id": versions[number],
                    }
                )
                if i < 20 and labeler == 0:
                    review_rows.append((len(label_rows) - 1, sent_back))
        label_ids = (await session.execute(insert(Label).returning(Label.id), label_rows)).scalars().all()
        reviews = []
        for index, sent_back in review_rows:
            created = label_rows[index]["submitted_at"] + timedelta(hours=1)
            verdicts = [ReviewVerdict.THUMBS_DOWN, ReviewVerdict.THUMBS_UP] if sent_back else [ReviewVerdict.THUMBS_UP]
            for k, verdict in enumerate(verdicts):
                reviews.append(
                    {
                        "label_id": label_ids[index],
                        "reviewer_id": labeler_ids[2],
                        "verdict": verdict,
                        "seconds_to_review": 3.0,
                        "created_at": created + timedelta(hours=k),
                    }
                )
        await session.execute(insert(Review), reviews)
    return project_id, versions


async def test_given_labels_under_two_versions_then_each_version_has_its_own_figures_and_the_change_its_effect(
    database: Database,
) -> None:
    project_id, _ = await _world(database)

    async with database.session() as session:
        impact = await fetch_guideline_impact(session, project_id)

    first, second = impact.versions
    assert (first.number, first.labels, second.number, second.labels) == (1, 42, 2, 42)
    assert first.seconds_per_label is not None and second.seconds_per_label is not None
    assert first.seconds_per_label.value == pytest.approx((10 * 42 + 20) / 42)  # the 20 odd tasks add a second
    assert (first.rework.value, first.rework.n) == (0.5, 20)  # type: ignore[union-attr]
    assert (second.rework.value, second.rework.n) == (0.1, 20)  # type: ignore[union-attr]
    assert first.approval is not None and (first.approval.value, first.approval.n) == (20 / 30, 30)
    assert first.benchmark_accuracy is not None and first.benchmark_accuracy.value == 0.75
    assert second.benchmark_accuracy is not None and second.benchmark_accuracy.value == 1.0
    # units: tasks 36 and 38 have two labels; 36 agrees on the tone (notes differ), 38 does not
    assert first.agreement is not None and (first.agreement.value, first.agreement.n) == (0.5, 2)
    assert first.pairwise_agreement == 0.5
    change = impact.changes[0]
    assert change.rework is not None and change.rework.value == pytest.approx(-0.4)
    assert change.rework.high < 0  # the interval excludes "no change"
    assert change.seconds_per_label is not None and change.seconds_per_label.value == pytest.approx(10.0)
    assert first.note is None and change.note is None


async def test_given_a_version_with_few_labels_then_it_carries_a_note(database: Database) -> None:
    project_id, _ = await _world(database)
    async with database.transaction() as session:
        await publish_version(session, project_id, GuidelineChange(change_note="Newest."), author="pm")

    async with database.session() as session:
        impact = await fetch_guideline_impact(session, project_id)

    assert impact.versions[-1].labels == 0
    assert impact.versions[-1].note == f"only 0 labels under version 3: fewer than {MIN_LABELS} are too few to compare"
    assert impact.changes[-1].note == "version 3 has too few labels: the change cannot be judged yet"


IMPACT = """
query($projectId: ID!) {
  guidelineImpact(projectId: $projectId) {
    __typename
    ... on GuidelineImpact { versions { number labels rework { value low high n } } changes { rework { value } } }
    ... on NotFoundError { field }
  }
}
"""


async def test_guideline_impact_answers_the_project_s_managers_only(database: Database) -> None:
    project_id, _ = await _world(database)
    from strawberry import relay

    variables = {"projectId": str(relay.GlobalID("Project", str(project_id)))}

    async def as_viewer(project_ids: set[int]) -> Any:
        viewer = Viewer(role=Role.PROGRAM_MANAGER, user_id=1, project_ids=frozenset(project_ids))
        result = await schema.execute(
            IMPACT, variable_values=variables, context_value=Context(database, Settings(), viewer=viewer)
        )
        assert result.errors is None, result.errors
        return result.data["guidelineImpact"]  # type: ignore[index]

    own = await as_viewer({project_id})
    stranger = await as_viewer({project_id + 100})

    assert own["__typename"] == "GuidelineImpact"
    assert [v["labels"] for v in own["versions"]] == [42, 42]
    assert own["changes"][0]["rework"]["value"] == pytest.approx(-0.4)
    assert stranger == {"__typename": "NotFoundError", "field": "projectId"}
