"""Shared pieces of the connector tests: a project to import into, and reading back what an import stored."""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy import func, select

from server.connectors import ImportReport, build_format, import_records
from server.connectors.csv import Mapping
from server.db import Database
from server.db.enums import DataType
from server.db.models import Label, Labeler, Project, Review, Task
from server.db.rollup_tables import (
    ConsensusSpan,
    ConsensusSpanLabeler,
    ConsensusSpanMember,
    ConsensusSpanMemberValue,
    ConsensusSpanValue,
    ConsensusTask,
    LabelDayRollup,
    LabelTimeBin,
    ProjectTimeBin,
    ReviewDayRollup,
    TaskDayRollup,
    VendorTimeBin,
)
from server.services.rollups import rebuild_rollups

PROJECT = "Imported"

# A crowd platform's raw results: a worker id, start and submit times, an answer, and (with the channel) the source
# that becomes the vendor.
CROWD_MAPPING = Mapping(
    task="task", label="id", labeler="worker", started_at="started", submitted_at="submitted", answer=("answer",)
)
CROWD_CHANNEL_MAPPING = Mapping(
    task="task",
    label="id",
    labeler="worker",
    started_at="started",
    submitted_at="submitted",
    answer=("answer",),
    vendor="channel",
)


async def make_project(database: Database, name: str = PROJECT) -> int:
    async with database.transaction() as session:
        project = Project(name=name, data_type=DataType.IMAGE)
        session.add(project)
        await session.flush()
        return project.id


async def run_import(
    database: Database,
    format_name: str,
    content: str | list[Any],
    *,
    mapping: Mapping | None = None,
    dry_run: bool = False,
    batch_size: int = 5000,
    vendor: str | None = None,
) -> ImportReport:
    text = content if isinstance(content, str) else json.dumps(content)
    fmt = build_format(format_name, mapping=mapping)
    return await import_records(
        database, fmt, io.StringIO(text), project=PROJECT, dry_run=dry_run, batch_size=batch_size, vendor=vendor
    )


def _table(model: Any) -> Any:
    table = model.__table__
    return select(*table.c).order_by(*table.primary_key.columns)


async def snapshot(database: Database) -> dict[str, Any]:
    """Every imported row and every rollup row, in a comparable form."""
    async with database.session() as session:

        async def rows(statement: Any) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in (await session.execute(statement)).all()]

        return {
            "tasks": await rows(
                select(
                    Task.external_id,
                    Task.status,
                    Task.completed_at,
                    Task.labels_required,
                    Task.is_benchmark,
                    Task.gold_answer,
                    Task.created_at,
                ).order_by(Task.external_id)
            ),
            "labels": await rows(
                select(
                    Label.external_id,
                    Label.answer,
                    Label.status,
                    Label.submitted_at,
                    Label.seconds_to_label,
                    Label.rework_count,
                ).order_by(Label.external_id)
            ),
            "labelers": await rows(select(Labeler.external_id, Labeler.name).order_by(Labeler.external_id)),
            "reviews": await rows(select(Review.external_id, Review.verdict).order_by(Review.external_id)),
            "label_rollups": await rows(_table(LabelDayRollup)),
            "label_time_bins": await rows(_table(LabelTimeBin)),
            "project_time_bins": await rows(_table(ProjectTimeBin)),
            "vendor_time_bins": await rows(_table(VendorTimeBin)),
            "review_rollups": await rows(_table(ReviewDayRollup)),
            "task_rollups": await rows(_table(TaskDayRollup)),
            "spans": await rows(_table(ConsensusSpan)),
            "consensus_tasks": await rows(_table(ConsensusTask)),
            "span_values": await rows(_table(ConsensusSpanValue)),
            "span_labelers": await rows(_table(ConsensusSpanLabeler)),
            "span_members": await rows(_table(ConsensusSpanMember)),
            "span_member_values": await rows(_table(ConsensusSpanMemberValue)),
        }


async def rollups_match_a_full_rebuild(database: Database) -> None:
    """The rollups the import left equal the ones a full rebuild computes from the rows."""
    before = await snapshot(database)
    async with database.transaction() as session:
        await rebuild_rollups(session)
    after = await snapshot(database)
    assert before == after


async def count(database: Database, model: Any) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
