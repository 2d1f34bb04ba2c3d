"""The demo workspace: seeding it (idempotently, deterministically from a seed) and summarising it.

The eight weeks of data end at the anchor, by default the start of the current UTC day, so the workspace always
looks recent; the same seed and anchor give the same rows. Rows are written with Core bulk inserts in one
transaction, so ~50,000 labels take seconds on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.channels import CommunicationChannel
from server.db.guidelines import GuidelineVersion, guideline_version_issues
from server.db.models import (
    Comment,
    Issue,
    Label,
    Labeler,
    LabelerStageEvent,
    Project,
    ProjectMembership,
    Review,
    Task,
    Vendor,
    project_vendors,
)
from server.db.rates import LabelerRate
from server.db.session import Database
from server.services.demo.catalog import PROJECTS, VENDORS
from server.services.demo.generate import DemoRows, generate
from server.services.errors import ValidationFailed
from server.services.guidelines import fill_label_versions
from server.services.rollups import rebuild_rollups

__all__ = [
    "DEMO_PROJECT_NAMES",
    "DEMO_VENDOR_NAMES",
    "DemoSummary",
    "analyse",
    "default_anchor",
    "seed_demo",
    "write_rows",
]

DEMO_PROJECT_NAMES: tuple[str, ...] = tuple(spec.name for spec in PROJECTS)
DEMO_VENDOR_NAMES: tuple[str, ...] = tuple(spec.name for spec in VENDORS)
_MAX_SCALE = 10.0


@dataclass(frozen=True)
class DemoSummary:
    """What the demo workspace holds; `created` is False when it was already there and nothing was written."""

    created: bool
    anchor: datetime | None
    vendors: int
    projects: int
    labelers: int
    tasks: int
    labels: int
    reviews: int
    issues: int
    comments: int
    seconds: float

    def describe(self) -> str:
        verb = "seeded" if self.created else "already present"
        return (
            f"demo workspace {verb}: {self.vendors} vendors, {self.projects} projects, {self.labelers} labelers, "
            f"{self.tasks} tasks, {self.labels} labels, {self.reviews} reviews, {self.issues} issues, "
            f"{self.comments} comments ({self.seconds:.1f} s)"
        )


def default_anchor(now: datetime | None = None) -> datetime:
    """The start of the current UTC day: where the demo's eight weeks end."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def seed_demo(
    database: Database, *, seed: int = 7, anchor: datetime | None = None, scale: float = 1.0
) -> DemoSummary:
    """Write the demo workspace unless one is there already (found by its project names).

    `anchor` is where the data ends (timezone-aware; default: start of today, UTC); `scale` multiplies the task
    volume (1.0 gives ~50,000 labels), and the cast of vendors, projects and labelers stays the same.
    """
    if not 0.0 < scale <= _MAX_SCALE:
        raise ValidationFailed(("scale",), scale, f"must be greater than 0 and at most {_MAX_SCALE:g}")
    if anchor is not None and anchor.tzinfo is None:
        raise ValidationFailed(("anchor",), anchor.isoformat(), "must be timezone-aware")
    anchor = default_anchor() if anchor is None else anchor.astimezone(UTC)
    began = time.perf_counter()
    async with database.engine.begin() as connection:
        await _lock_tables(connection)
        existing = await connection.scalar(
            select(func.count()).select_from(Project).where(Project.name.in_(DEMO_PROJECT_NAMES))
        )
        if existing:
            return await _existing_summary(connection, time.perf_counter() - began)
        rows = generate(seed, anchor, scale)
        await _write(connection, rows)
        for project in rows.projects:
            await rebuild_rollups(connection, project["id"])
    await analyse(database)
    return DemoSummary(
        created=True,
        anchor=anchor,
        vendors=len(rows.vendors),
        projects=len(rows.projects),
        labelers=len(rows.labelers),
        tasks=len(rows.tasks),
        labels=len(rows.labels),
        reviews=len(rows.reviews),
        issues=len(rows.issues),
        comments=len(rows.comments),
        seconds=time.perf_counter() - began,
    )


async def write_rows(database: Database, rows: DemoRows) -> None:
    """Write generated rows (the demo's, or any history built as :class:`DemoRows`) in one transaction, with the
    projects' rollups."""
    async with database.engine.begin() as connection:
        await _lock_tables(connection)
        await _write(connection, rows)
        for project in rows.projects:
            await rebuild_rollups(connection, project["id"])
    await analyse(database)


async def analyse(database: Database) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load: autovacuum may be off or not have run yet, and
    plans made for empty tables are slow on full ones (a percentile statement went from 2.4 s to 40 ms)."""
    if database.engine.dialect.name != "postgresql":
        return
    async with database.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


async def _existing_summary(connection: AsyncConnection, seconds: float) -> DemoSummary:
    """Counts of the demo projects' records as they are now (they may have changed since seeding)."""
    project_ids = select(Project.id).where(Project.name.in_(DEMO_PROJECT_NAMES)).scalar_subquery()
    task_ids = select(Task.id).where(Task.project_id.in_(project_ids)).scalar_subquery()
    label_ids = select(Label.id).where(Label.task_id.in_(task_ids)).scalar_subquery()
    issue_ids = select(Issue.id).where(Issue.project_id.in_(project_ids)).scalar_subquery()
    vendor_ids = select(Vendor.id).where(Vendor.name.in_(DEMO_VENDOR_NAMES)).scalar_subquery()
    queries = {
        "vendors": select(func.count()).select_from(Vendor).where(Vendor.id.in_(vendor_ids)),
        "projects": select(func.count()).select_from(Project).where(Project.id.in_(project_ids)),
        "labelers": select(func.count()).select_from(Labeler).where(Labeler.vendor_id.in_(vendor_ids)),
        "tasks": select(func.count()).select_from(Task).where(Task.id.in_(task_ids)),
        "labels": select(func.count()).select_from(Label).where(Label.id.in_(label_ids)),
        "reviews": select(func.count()).select_from(Review).where(Review.label_id.in_(label_ids)),
        "issues": select(func.count()).select_from(Issue).where(Issue.id.in_(issue_ids)),
        "comments": select(func.count()).select_from(Comment).where(Comment.issue_id.in_(issue_ids)),
    }
    counts = {name: int(await connection.scalar(query) or 0) for name, query in queries.items()}
    newest = await connection.scalar(select(func.max(Label.submitted_at)).where(Label.id.in_(label_ids)))
    anchor = None if newest is None else default_anchor(newest + timedelta(days=1))
    return DemoSummary(created=False, anchor=anchor, seconds=seconds, **counts)


async def _write(connection: AsyncConnection, rows: DemoRows) -> None:
    """Insert parents first, mapping the generator's local indexes to ids.

    Ids are handed out here, after the highest existing one (the tables are locked on PostgreSQL), so that every
    table is one plain executemany: row-by-row RETURNING is what makes bulk inserts slow on SQLite.
    """
    vendor_ids = await _assign_ids(connection, _table(Vendor), rows.vendors)
    project_ids = await _assign_ids(connection, _table(Project), rows.projects)
    labeler_ids = await _assign_ids(connection, _table(Labeler), rows.labelers)
    task_ids = await _assign_ids(connection, _table(Task), rows.tasks)
    label_ids = await _assign_ids(connection, _table(Label), rows.labels)
    issue_ids = await _assign_ids(connection, _table(Issue), rows.issues)
    await _assign_ids(connection, _table(GuidelineVersion), rows.guideline_versions)
    _remap(rows.guideline_versions, project_id=project_ids)
    _remap(rows.project_vendors, project_id=project_ids, vendor_id=vendor_ids)
    _remap(rows.labelers, vendor_id=vendor_ids)
    _remap(rows.stage_events, labeler_id=labeler_ids)
    _remap(rows.labeler_rates, labeler_id=labeler_ids)
    _remap(rows.channels, vendor_id=vendor_ids, project_id=project_ids)
    _remap(rows.memberships, project_id=project_ids, labeler_id=labeler_ids)
    _remap(rows.tasks, project_id=project_ids)
    _remap(rows.labels, task_id=task_ids, labeler_id=labeler_ids)
    _remap(rows.reviews, label_id=label_ids, reviewer_id=labeler_ids)
    _remap(rows.issues, project_id=project_ids, task_id=task_ids, label_id=label_ids, raised_by_id=labeler_ids)
    _remap(rows.comments, issue_id=issue_ids, author_id=labeler_ids)
    batches: list[tuple[Table, list[dict[str, Any]]]] = [
        (_table(Vendor), rows.vendors),
        (_table(Project), rows.projects),
        (_table(GuidelineVersion), [_version_row(row) for row in rows.guideline_versions]),
        (project_vendors, rows.project_vendors),
        (_table(CommunicationChannel), rows.channels),  # ids from the database: nothing refers to them
        (_table(Labeler), rows.labelers),
        (_table(LabelerStageEvent), rows.stage_events),
        (_table(LabelerRate), rows.labeler_rates),
        (_table(ProjectMembership), rows.memberships),
        (_table(Task), rows.tasks),
        (_table(Label), rows.labels),
        (_table(Review), rows.reviews),
        (_table(Issue), rows.issues),
        (_table(Comment), rows.comments),
        (guideline_version_issues, _settled_issues(rows)),
    ]
    for table, table_rows in batches:
        for start in range(0, len(table_rows), _BATCH):
            await connection.execute(insert(table), table_rows[start : start + _BATCH])
    # Each label was made under the version in force when it was started.
    await fill_label_versions(connection)
    if connection.dialect.name == "postgresql":
        # Explicit ids do not advance the id sequences; move them past the new rows.
        for table in _ID_TABLES:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                )
            )


def _version_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "issue_titles"}


def _settled_issues(rows: DemoRows) -> list[dict[str, Any]]:
    """Links from a version to the issues of its project it settles: those of its titles resolved before it."""
    links = []
    for version in rows.guideline_versions:
        for issue in rows.issues:
            if (
                issue["project_id"] == version["project_id"]
                and issue["title"] in version["issue_titles"]
                and issue["resolved_at"] is not None
                and issue["resolved_at"] <= version["created_at"]
            ):
                links.append({"version_id": version["id"], "issue_id": issue["id"]})
    return links


async def _lock_tables(connection: AsyncConnection) -> None:
    """On PostgreSQL, keep writers out while ids are handed out (readers are not blocked)."""
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.name for table in _ID_TABLES)
        await connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


async def _assign_ids(connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Give each row the next free id and return the ids by local index."""
    first = int(await connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    for row, identifier in zip(rows, ids, strict=True):
        row["id"] = identifier
    return ids


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _remap(rows: list[dict[str, Any]], **columns: list[int]) -> None:
    """Replace local indexes by database ids in the named columns (None stays None)."""
    for row in rows:
        for column, ids in columns.items():
            local = row[column]
            if local is not None:
                row[column] = ids[local]


_BATCH = 10_000
_ID_TABLES: tuple[Table, ...] = tuple(
    _table(model)
    for model in (Vendor, Project, GuidelineVersion, Labeler, LabelerStageEvent, Task, Label, Review, Issue, Comment)
)
