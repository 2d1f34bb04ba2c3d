"""No N+1: nested fields load through DataLoaders, so SQL statements do not grow with the page size."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from server.db import Database
from server.db.enums import DataType, LabelerStage, PricingModel, ReviewVerdict, WorkforceType
from server.db.models import Label, Labeler, Project, ProjectMembership, Review, Task, Vendor
from tests.server.engine_events import recorded, statements_run
from tests.server.graphql_client import expect_data

PROJECTS_LABELERS_VENDOR = """
query($first: Int!) {
  projects(first: $first) {
    edges { node { name vendors { name } labelers(first: 10) { totalCount edges { node { name vendor { name } } } } } }
  }
}
"""
LABELS_REVIEWS = """
query($first: Int!) {
  labels(first: $first) {
    edges { node { status labeler { name vendor { name } } task { externalId } reviews { verdict reviewer { name } } } }
  }
}
"""
PAGE_SIZES = (5, 50)


async def _seed(database: Database) -> None:
    """Two vendors, 60 projects with 3 members each, 60 labels each reviewed twice."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        vendors = [
            Vendor(name=f"Vendor {i}", workforce_type=WorkforceType.CROWD, pricing_model=PricingModel.HOURLY, rate=9.0)
            for i in range(2)
        ]
        labelers = [
            Labeler(vendor=vendors[i % 2], name=f"Labeler {i:02d}", stage=LabelerStage.PRODUCTION) for i in range(60)
        ]
        projects = [Project(name=f"Project {i:02d}", data_type=DataType.IMAGE, vendors=vendors) for i in range(60)]
        session.add_all([*vendors, *labelers, *projects])
        await session.flush()
        session.add_all(
            ProjectMembership(project_id=project.id, labeler_id=labelers[(index + k) % 60].id)
            for index, project in enumerate(projects)
            for k in range(3)
        )
        tasks = [
            Task(project_id=projects[0].id, external_id=f"t{i}", created_at=now - timedelta(hours=1)) for i in range(60)
        ]
        session.add_all(tasks)
        await session.flush()
        labels = [
            Label(
                task_id=task.id,
                labeler_id=labelers[i].id,
                answer={"class": "car"},
                started_at=now - timedelta(minutes=30),
                submitted_at=now - timedelta(minutes=29),
                seconds_to_label=60.0,
            )
            for i, task in enumerate(tasks)
        ]
        session.add_all(labels)
        await session.flush()
        session.add_all(
            Review(
                label_id=label.id,
                reviewer_id=labelers[(i + k + 1) % 60].id,
                verdict=ReviewVerdict.THUMBS_UP,
                seconds_to_review=10.0,
            )
            for i, label in enumerate(labels)
            for k in range(2)
        )


async def _statements_per_page_size(database: Database, query: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for first in PAGE_SIZES:
        with statements_run(database) as statements:
            data = await expect_data(database, query, {"first": first})
        assert len(next(iter(data.values()))["edges"]) == first
        counts[first] = len(statements)
    return counts


async def test_projects_labelers_vendor_cost_the_same_for_5_and_50_projects(database: Database) -> None:
    # given 60 projects with members from two vendors
    await _seed(database)
    # when projects -> labelers -> vendor is queried with 5 and with 50 projects per page
    counts = await _statements_per_page_size(database, PROJECTS_LABELERS_VENDOR)
    # then the number of SQL statements is the same, and small
    assert counts[5] == counts[50], counts
    assert counts[50] <= 8, counts


async def test_labels_reviews_cost_the_same_for_5_and_50_labels(database: Database) -> None:
    # given 60 labels with two reviews each
    await _seed(database)
    # when labels -> reviews (and labeler, task, reviewer) is queried with 5 and with 50 labels per page
    counts = await _statements_per_page_size(database, LABELS_REVIEWS)
    # then the number of SQL statements is the same, and small
    assert counts[5] == counts[50], counts
    assert counts[50] <= 8, counts


TASK_PAGE_LABELS = """
query($first: Int!) { tasks(first: $first) { totalCount edges { node { id status labels { id status } } } } }
"""
TASK_PAGE_LABELS_IN_FRAGMENTS = """
query($first: Int!) { tasks(first: $first) { edges { ...Edge } } }
fragment Edge on TaskEdge { node { id ... on Task { labels { id status } } } }
"""
TASK_LABELS = "query($id: ID!) { task(id: $id) { id status labels { id status } } }"


def _checkouts(database: Database) -> AbstractContextManager[list[object]]:
    """Connections taken from the pool: one per session that ran a statement."""
    return recorded(database, "checkout", 1)


async def test_a_task_page_reads_its_labels_in_its_own_session_with_one_statement(database: Database) -> None:
    # given 60 tasks with a label each
    await _seed(database)
    # when a page of tasks with their labels is queried with 5 and with 50 tasks
    for first in PAGE_SIZES:
        with _checkouts(database) as sessions, statements_run(database) as statements:
            data = await expect_data(database, TASK_PAGE_LABELS, {"first": first})
        # then the labels come with the page: one session, the page with its total, and the labels
        assert [len(edge["node"]["labels"]) for edge in data["tasks"]["edges"]] == [1] * first
        assert len(sessions) == 1, first
        assert len(statements) == 2, statements


async def test_labels_read_with_the_page_are_those_of_each_task(database: Database) -> None:
    # given 60 tasks with a label each
    await _seed(database)
    # when a page reads its tasks' labels, directly and through fragments
    for query in (TASK_PAGE_LABELS, TASK_PAGE_LABELS_IN_FRAGMENTS):
        page = await expect_data(database, query, {"first": 50})
        # then every task's labels are those its own lookup finds (through the labels' DataLoader)
        for edge in page["tasks"]["edges"]:
            alone = await expect_data(database, TASK_LABELS, {"id": edge["node"]["id"]})
            assert edge["node"]["labels"] == alone["task"]["labels"]
            assert edge["node"]["labels"]
