"""Training against production: time per label, benchmark accuracy and approval of labels by the onboarding stage
their author was in when they started them, per labeler, vendor or project, and the gap between consecutive
stages.

A label's stage is the stage of its author's newest stage event at or before the label's `started_at` (labels
from before any event count as HIRING, the first stage). Benchmark accuracy compares the answer text with the
gold answer (as the dashboard does); approval is thumbs-up reviews over reviews of the labels. Intervals: Student
t for the mean time, Wilson for shares; a gap is the later stage minus the earlier (Welch, Newcombe).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelerStage, ReviewVerdict
from server.db.models import Label, Labeler, LabelerStageEvent, Review, Task
from server.db.sql import answer_text
from server.services.analytics.intervals import Estimate, mean_difference, share_difference, t_mean, wilson
from server.services.errors import ValidationFailed

__all__ = ["GROUPINGS", "StageFigures", "StageGap", "fetch_stage_comparison"]

GROUPINGS = ("labeler", "vendor", "project")
_ORDER = list(LabelerStage)


@dataclass(frozen=True, slots=True)
class StageFigures:
    group_id: int
    stage: LabelerStage
    labels: int
    seconds_per_label: Estimate | None
    benchmark_accuracy: Estimate | None
    approval: Estimate | None


@dataclass(frozen=True, slots=True)
class StageGap:
    group_id: int
    from_stage: LabelerStage
    to_stage: LabelerStage
    seconds_per_label: Estimate | None
    benchmark_accuracy: Estimate | None
    approval: Estimate | None


def _per_label(project_id: int | None, vendor_id: int | None, by: str) -> Any:
    stage = (
        select(LabelerStageEvent.stage)
        .where(LabelerStageEvent.labeler_id == Label.labeler_id, LabelerStageEvent.entered_at <= Label.started_at)
        .order_by(LabelerStageEvent.entered_at.desc(), LabelerStageEvent.id.desc())
        .limit(1)
        .correlate(Label)
        .scalar_subquery()
    )
    group = {"labeler": Label.labeler_id, "vendor": Labeler.vendor_id, "project": Task.project_id}[by]
    statement = (
        select(
            Label.id.label("label_id"),
            group.label("group_id"),
            func.coalesce(stage, LabelerStage.HIRING.value).label("stage"),
            Label.seconds_to_label.label("seconds"),
            case((and_(Task.is_benchmark, Task.gold_answer.is_not(None)), 1), else_=0).label("benchmark"),
            case(
                (and_(Task.is_benchmark, answer_text(Label.answer) == answer_text(Task.gold_answer)), 1), else_=0
            ).label("correct"),
        )
        .join(Task, Task.id == Label.task_id)
        .join(Labeler, Labeler.id == Label.labeler_id)
    )
    if project_id is not None:
        statement = statement.where(Task.project_id == project_id)
    if vendor_id is not None:
        statement = statement.where(Labeler.vendor_id == vendor_id)
    return statement.subquery()


async def fetch_stage_comparison(
    session: AsyncSession, *, project_id: int | None = None, vendor_id: int | None = None, by: str = "labeler"
) -> tuple[tuple[StageFigures, ...], tuple[StageGap, ...]]:
    if by not in GROUPINGS:
        raise ValidationFailed(("by",), by, f"must be one of {', '.join(GROUPINGS)}")
    labels = _per_label(project_id, vendor_id, by)
    sums = (
        await session.execute(
            select(
                labels.c.group_id,
                labels.c.stage,
                func.count(),
                cast(func.sum(labels.c.seconds), Float),
                cast(func.sum(labels.c.seconds * labels.c.seconds), Float),
                cast(func.sum(labels.c.benchmark), Float),
                cast(func.sum(labels.c.correct), Float),
            ).group_by(labels.c.group_id, labels.c.stage)
        )
    ).all()
    reviews = {
        (row[0], row[1]): (int(row[2] or 0), int(row[3]))
        for row in (
            await session.execute(
                select(
                    labels.c.group_id,
                    labels.c.stage,
                    cast(func.sum(case((Review.verdict == ReviewVerdict.THUMBS_UP, 1), else_=0)), Float),
                    func.count(),
                )
                .join(Review, Review.label_id == labels.c.label_id)
                .group_by(labels.c.group_id, labels.c.stage)
            )
        ).all()
    }
    figures: list[StageFigures] = []
    moments: dict[tuple[int, LabelerStage], tuple[float, float, int]] = {}
    for group_id, stage_text, count, total, squares, benchmarks, correct in sums:
        stage = LabelerStage(stage_text)
        moments[(group_id, stage)] = (float(total or 0), float(squares or 0), int(count))
        figures.append(
            StageFigures(
                group_id=int(group_id),
                stage=stage,
                labels=int(count),
                seconds_per_label=t_mean(float(total or 0), float(squares or 0), int(count)),
                benchmark_accuracy=wilson(int(correct or 0), int(benchmarks or 0)),
                approval=wilson(*reviews.get((group_id, stage_text), (0, 0))),
            )
        )
    figures.sort(key=lambda f: (f.group_id, _ORDER.index(f.stage)))
    by_group: dict[int, list[StageFigures]] = defaultdict(list)
    for item in figures:
        by_group[item.group_id].append(item)
    gaps = [
        StageGap(
            group_id=group_id,
            from_stage=before.stage,
            to_stage=after.stage,
            seconds_per_label=mean_difference(moments[(group_id, before.stage)], moments[(group_id, after.stage)]),
            benchmark_accuracy=share_difference(before.benchmark_accuracy, after.benchmark_accuracy),
            approval=share_difference(before.approval, after.approval),
        )
        for group_id, stages in by_group.items()
        for before, after in pairwise(stages)
    ]
    return tuple(figures), tuple(gaps)
