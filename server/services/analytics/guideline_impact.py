"""Before and after a guideline change: quality, agreement, rework and time per label of a project's labels,
split by the guideline version each label was made under, with intervals, and the change between consecutive
versions.

Definitions, per version (labels of the project stamped with it):
- time per label: mean `seconds_to_label`, Student t interval;
- approval: thumbs-up reviews over reviews of those labels, Wilson interval;
- rework: labels sent back (reworked at least once, or rejected and awaiting rework) over labels that had a
  review, Wilson interval. Over reviewed labels rather than all labels, so recent labels not yet reviewed do not
  make the newest version look better than it is;
- benchmark accuracy: labels on benchmark tasks whose answer matches the gold answer on the version's categorical
  fields (the whole answer when the ontology types none), Wilson interval;
- agreement: consensus tasks with two or more labels made under the version; `agreement` is the share of those
  tasks whose labels all agree on the categorical fields (Wilson over tasks), `pairwise` the share of agreeing
  label pairs (pairs on one task are not independent, so it carries no interval).
A change compares each version with the one before: differences with Newcombe (shares) and Welch (time)
intervals. A version with fewer than `MIN_LABELS` labels gets a note saying its figures are too thin to compare.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.enums import LabelStatus, ReviewVerdict
from server.db.guidelines import GuidelineVersion
from server.db.models import Label, Review, Task
from server.services.analytics.intervals import Estimate, mean_difference, share_difference, t_mean, wilson
from server.services.errors import ValidationFailed
from server.services.ontology import OntologySpec, parse_ontology

__all__ = ["MIN_LABELS", "GuidelineImpact", "VersionChange", "VersionFigures", "fetch_guideline_impact"]

MIN_LABELS = 30


@dataclass(frozen=True, slots=True)
class VersionFigures:
    version_id: int
    number: int
    created_at: datetime
    change_note: str
    labels: int
    seconds_per_label: Estimate | None
    approval: Estimate | None
    rework: Estimate | None
    benchmark_accuracy: Estimate | None
    agreement: Estimate | None
    pairwise_agreement: float | None
    note: str | None


@dataclass(frozen=True, slots=True)
class VersionChange:
    from_number: int
    to_number: int
    seconds_per_label: Estimate | None
    approval: Estimate | None
    rework: Estimate | None
    benchmark_accuracy: Estimate | None
    agreement: Estimate | None
    note: str | None


@dataclass(frozen=True, slots=True)
class GuidelineImpact:
    project_id: int
    min_labels: int
    versions: tuple[VersionFigures, ...]
    changes: tuple[VersionChange, ...]


async def fetch_guideline_impact(session: AsyncSession, project_id: int) -> GuidelineImpact:
    versions = list(
        (
            await session.scalars(
                select(GuidelineVersion)
                .where(GuidelineVersion.project_id == project_id)
                .order_by(GuidelineVersion.number)
            )
        ).all()
    )
    sums = await _label_sums(session, project_id)
    reviews = await _review_sums(session, project_id)
    answers = await _answer_checks(session, project_id, {v.id: _spec(v.ontology) for v in versions})
    figures = [_figures(v, sums.get(v.id), reviews.get(v.id, (0, 0)), answers.get(v.id)) for v in versions]
    changes = [
        _change(before, after, sums.get(before.version_id), sums.get(after.version_id))
        for before, after in pairwise(figures)
    ]
    return GuidelineImpact(project_id, MIN_LABELS, tuple(figures), tuple(changes))


def _spec(ontology: Any) -> OntologySpec:
    try:
        return parse_ontology(ontology)
    except ValidationFailed:
        return OntologySpec()


def _project_labels(project_id: int) -> Any:
    return Label.task_id.in_(select(Task.id).where(Task.project_id == project_id))


async def _label_sums(session: AsyncSession, project_id: int) -> dict[int, tuple[int, float, float, int, int]]:
    """Per version: labels, sum and sum of squares of seconds, reviewed labels, labels sent back."""
    reviewed = Label.id.in_(select(Review.label_id))
    sent_back = and_(reviewed, or_(Label.rework_count > 0, Label.status == LabelStatus.REJECTED))
    statement = (
        select(
            Label.guideline_version_id,
            func.count(),
            cast(func.sum(Label.seconds_to_label), Float),
            cast(func.sum(Label.seconds_to_label * Label.seconds_to_label), Float),
            cast(func.sum(case((reviewed, 1), else_=0)), Float),
            cast(func.sum(case((sent_back, 1), else_=0)), Float),
        )
        .where(_project_labels(project_id), Label.guideline_version_id.is_not(None))
        .group_by(Label.guideline_version_id)
    )
    return {
        int(row[0]): (int(row[1]), float(row[2] or 0.0), float(row[3] or 0.0), int(row[4] or 0), int(row[5] or 0))
        for row in (await session.execute(statement)).all()
    }


async def _review_sums(session: AsyncSession, project_id: int) -> dict[int, tuple[int, int]]:
    """Per version: thumbs-up reviews and reviews of its labels."""
    statement = (
        select(
            Label.guideline_version_id,
            cast(func.sum(case((Review.verdict == ReviewVerdict.THUMBS_UP, 1), else_=0)), Float),
            func.count(),
        )
        .join(Review, Review.label_id == Label.id)
        .where(_project_labels(project_id), Label.guideline_version_id.is_not(None))
        .group_by(Label.guideline_version_id)
    )
    return {int(row[0]): (int(row[1] or 0), int(row[2])) for row in (await session.execute(statement)).all()}


@dataclass(frozen=True, slots=True)
class _Checks:
    benchmarks: int
    correct: int
    units: int
    unanimous: int
    pairs: int
    agreeing_pairs: int


async def _answer_checks(session: AsyncSession, project_id: int, specs: dict[int, OntologySpec]) -> dict[int, _Checks]:
    """Benchmark and consensus labels, compared on each version's categorical fields: only the labels that need
    their answers read are fetched (benchmarks and consensus tasks are a small share of a project)."""
    statement = (
        select(Label.guideline_version_id, Label.task_id, Label.answer, Task.gold_answer, Task.is_benchmark)
        .join(Task, Task.id == Label.task_id)
        .where(
            Task.project_id == project_id,
            Label.guideline_version_id.is_not(None),
            or_(and_(Task.is_benchmark, Task.gold_answer.is_not(None)), Task.labels_required > 1),
        )
    )
    benchmarks: Counter[int] = Counter()
    correct: Counter[int] = Counter()
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for version_id, task_id, answer, gold, is_benchmark in (await session.execute(statement)).all():
        spec = specs.get(version_id, OntologySpec())
        key = spec.agreement_key(answer)
        if is_benchmark and gold is not None:
            benchmarks[version_id] += 1
            correct[version_id] += key == spec.agreement_key(gold)
        else:
            groups[(version_id, task_id)].append(repr(key))
    units: Counter[int] = Counter()
    unanimous: Counter[int] = Counter()
    pairs: Counter[int] = Counter()
    agreeing: Counter[int] = Counter()
    for (version_id, _task), keys in groups.items():
        if len(keys) < 2:
            continue
        units[version_id] += 1
        counts = Counter(keys)
        unanimous[version_id] += len(counts) == 1
        pairs[version_id] += len(keys) * (len(keys) - 1)
        agreeing[version_id] += sum(c * (c - 1) for c in counts.values())
    return {
        version_id: _Checks(
            benchmarks[version_id],
            correct[version_id],
            units[version_id],
            unanimous[version_id],
            pairs[version_id],
            agreeing[version_id],
        )
        for version_id in set(benchmarks) | set(units)
    }


def _figures(
    version: GuidelineVersion,
    sums: tuple[int, float, float, int, int] | None,
    reviews: tuple[int, int],
    checks: _Checks | None,
) -> VersionFigures:
    labels, total, squares, reviewed, sent_back = sums or (0, 0.0, 0.0, 0, 0)
    note = None
    if labels < MIN_LABELS:
        note = f"only {labels} labels under version {version.number}: fewer than {MIN_LABELS} are too few to compare"
    return VersionFigures(
        version_id=version.id,
        number=version.number,
        created_at=version.created_at,
        change_note=version.change_note,
        labels=labels,
        seconds_per_label=t_mean(total, squares, labels),
        approval=wilson(*reviews),
        rework=wilson(sent_back, reviewed),
        benchmark_accuracy=None if checks is None else wilson(checks.correct, checks.benchmarks),
        agreement=None if checks is None else wilson(checks.unanimous, checks.units),
        pairwise_agreement=None if checks is None or not checks.pairs else checks.agreeing_pairs / checks.pairs,
        note=note,
    )


def _change(
    before: VersionFigures,
    after: VersionFigures,
    before_sums: tuple[int, float, float, int, int] | None,
    after_sums: tuple[int, float, float, int, int] | None,
) -> VersionChange:
    thin = [f.number for f in (before, after) if f.labels < MIN_LABELS]
    note = None
    if thin:
        note = f"version {' and '.join(map(str, thin))} has too few labels: the change cannot be judged yet"
    b = before_sums or (0, 0.0, 0.0, 0, 0)
    a = after_sums or (0, 0.0, 0.0, 0, 0)
    return VersionChange(
        from_number=before.number,
        to_number=after.number,
        seconds_per_label=mean_difference((b[1], b[2], b[0]), (a[1], a[2], a[0])),
        approval=share_difference(before.approval, after.approval),
        rework=share_difference(before.rework, after.rework),
        benchmark_accuracy=share_difference(before.benchmark_accuracy, after.benchmark_accuracy),
        agreement=share_difference(before.agreement, after.agreement),
        note=note,
    )
