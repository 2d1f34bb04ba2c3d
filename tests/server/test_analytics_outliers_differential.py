"""Speed outliers and labeler profiles against an independent recomputation from the raw rows.

A small seeded world: one project of nine labelers (a fast and careless one, a slow and careful one, one with no
review and no benchmark task, one with no PRODUCTION event, one whose PRODUCTION event comes after some of their
labels and one with two PRODUCTION events), reviews made up to three days after their labels (so after a window's
end), rework chains (rejected, reworked, then accepted), consensus and benchmark tasks; and two projects whose
cohorts hold two labelers and one. For windows written with offsets, cut inside days and open, every labeler-week
(tenure week, count, mean, cohort median and MAD, robust z, benchmark accuracy, first-pass acceptance) and every
flagged labeler (each quality share with its count and the cohort's, the quality and speed z, the profile) is
recomputed in plain Python and compared with `fetch_outliers` and `project_dashboard`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from statistics import median
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import LabelerStage, LabelStatus, PricingModel, ReviewVerdict, TaskStatus
from server.db.models import Label, Labeler, LabelerStageEvent, Review, Task
from server.services.analytics import Scope, fetch_outliers, project_dashboard
from server.services.analytics.profiles import MIN_COHORT, MIN_COUNT, PROFILES
from tests.server.test_analytics_world import World, day

SEED = 20261205
NEPAL = timezone(timedelta(hours=5, minutes=45))
PACIFIC = timezone(timedelta(hours=-7))
MIN_LABELS = 10
CUTOFF = 3.5
WEEKS = 7


@dataclass
class Person:
    speed: float
    error: float
    reviewed: float = 0.6  # share of labels reviewed
    benchmarks: bool = True
    production: list[datetime] = field(default_factory=list)


async def _world(database: Database) -> dict[str, int]:
    rng = np.random.default_rng(SEED)
    people = [Person(speed=float(np.exp(rng.normal(0, 0.1))), error=float(rng.uniform(0.04, 0.1))) for _ in range(9)]
    people[0] = Person(speed=0.45, error=0.4)  # fast and careless
    people[1] = Person(speed=2.6, error=0.0)  # slow and careful
    people[2].reviewed, people[2].benchmarks = 0.0, False
    for index, person in enumerate(people):
        if index == 3:
            continue  # no PRODUCTION event: tenure from the first label
        person.production.append(day(float(rng.integers(-20, 8)), float(rng.uniform(0, 24))))
    people[4].production = [day(9, 13.5)]  # after the labels of its first days
    people[5].production.append(people[5].production[0] + timedelta(days=12))  # a second one: the first counts
    answers = [{"c": "cat"}, {"c": "dog"}]
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor(PricingModel.HOURLY)
        main, pair, alone = await w.project(), await w.project(), await w.project()
        reviewer = await w.labeler(await w.vendor(PricingModel.HOURLY))
        rows = [await w.labeler(vendor) for _ in people]
        pair_rows = [await w.labeler(vendor), await w.labeler(vendor)]
        alone_row = await w.labeler(vendor)
        for row, person in zip(rows, people, strict=True):
            for entered in person.production:
                session.add(LabelerStageEvent(labeler_id=row.id, stage=LabelerStage.PRODUCTION, entered_at=entered))
        for extra in (*pair_rows, alone_row):
            session.add(LabelerStageEvent(labeler_id=extra.id, stage=LabelerStage.PRODUCTION, entered_at=day(-3, 2)))
        await session.flush()

        async def one(task: Task, labeler: Labeler, person: Person, at: datetime) -> None:
            careless = rng.random() < person.error
            answer = answers[1] if careless and task.is_benchmark else answers[0]
            if task.labels_required > 1 and careless:
                answer = answers[1]
            seconds = float(30.0 * person.speed * np.exp(rng.normal(0, 0.15)))
            if rng.random() < person.reviewed:
                rejected = careless or rng.random() < 0.03
                reworked = rejected and rng.random() < 0.6  # a chain: rejected, reworked, accepted
                status = LabelStatus.ACCEPTED if not rejected or reworked else LabelStatus.REJECTED
                label = await w.label(
                    task, labeler, answer=answer, at=at, seconds=seconds, status=status,
                    rework_count=1 if reworked else 0, rework_seconds=12.0 if reworked else 0.0,
                )  # fmt: skip
                review_at = at + timedelta(hours=float(rng.uniform(0.1, 72)))
                verdict = ReviewVerdict.THUMBS_DOWN if rejected else ReviewVerdict.THUMBS_UP
                await w.review(label, reviewer, verdict, seconds=20.0, at=review_at)
                if reworked:
                    await w.review(label, reviewer, ReviewVerdict.THUMBS_UP, seconds=15.0, at=review_at + timedelta(1))
            else:
                status = LabelStatus.ACCEPTED if rng.random() < 0.5 else LabelStatus.SUBMITTED
                await w.label(task, labeler, answer=answer, at=at, seconds=seconds, status=status)

        for k in range(WEEKS * 7):
            for row, person in zip(rows, people, strict=True):
                # 0 to 3 labels a day: weekly counts around the minimum of 10, ties on it included.
                for _ in range(int(rng.integers(0, 4))):
                    at = day(k, float(rng.uniform(0, 24)))
                    bench = person.benchmarks and rng.random() < 0.25
                    task = await w.task(
                        main, created_at=at - timedelta(hours=1), status=TaskStatus.TO_LABEL, is_benchmark=bench,
                        gold_answer=answers[0] if bench else None,
                    )  # fmt: skip
                    await one(task, row, person, at)
            if k % 2 == 0:
                # A consensus task for three labelers (never the one without benchmark tasks).
                task = await w.task(main, created_at=day(k), status=TaskStatus.TO_LABEL, labels_required=3)
                for index in rng.choice([i for i in range(9) if i != 2], size=3, replace=False):
                    await one(task, rows[index], people[index], day(k, float(rng.uniform(1, 23))))
            for project, members in ((pair, pair_rows), (alone, [alone_row])):
                for member in members:
                    for _ in range(3):
                        task = await w.task(project, created_at=day(k), status=TaskStatus.TO_LABEL)
                        await one(task, member, Person(1.0, 0.1), day(k, float(rng.uniform(0, 24))))
    return {"main": main.id, "pair": pair.id, "alone": alone.id}


# --- the reference ----------------------------------------------------------------------------------------------


def _interpolated_median(values: list[float]) -> float:
    return float(np.percentile(values, 50))


@dataclass
class Rows:
    labels: list[Label]
    tasks: dict[int, Task]
    reviews: list[Review]
    starts: dict[int, datetime]  # labeler -> when tenure starts


async def _rows(database: Database) -> Rows:
    async with database.session() as session:
        labels = list((await session.execute(select(Label))).scalars())
        tasks = {task.id: task for task in (await session.execute(select(Task))).scalars()}
        reviews = list((await session.execute(select(Review))).scalars())
        events = (await session.execute(select(LabelerStageEvent))).scalars()
        starts: dict[int, datetime] = {}
        for event in events:
            if event.stage == LabelerStage.PRODUCTION:
                starts[event.labeler_id] = min(starts.get(event.labeler_id, event.entered_at), event.entered_at)
        first: dict[int, datetime] = {}
        for label in labels:
            first[label.labeler_id] = min(first.get(label.labeler_id, label.submitted_at), label.submitted_at)
        for labeler_id, moment in first.items():
            starts.setdefault(labeler_id, moment)
    return Rows(labels, tasks, reviews, starts)


def _inside(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def _weeks(rows: Rows, project_id: int, start: datetime | None, end: datetime | None) -> dict[tuple[int, int], Any]:
    """(labeler, tenure week) -> the week's figures and its cohort's."""
    sums: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for label in rows.labels:
        task = rows.tasks[label.task_id]
        if task.project_id != project_id or not _inside(label.submitted_at, start, end):
            continue
        days = (label.submitted_at.date() - rows.starts[label.labeler_id].astimezone(UTC).date()).days
        week = min(days // 7, 6)  # Python floors: the days before PRODUCTION are weeks -1, -2, ...
        s = sums[(label.labeler_id, week)]
        s["n"] += 1
        s["seconds"] += label.seconds_to_label
        if task.is_benchmark and task.gold_answer is not None:
            s["bench"] += 1
            s["bench_ok"] += label.answer == task.gold_answer
        s["first_pass"] += label.status == LabelStatus.ACCEPTED and label.rework_count == 0
        s["decided"] += label.status != LabelStatus.SUBMITTED or label.rework_count > 0
    kept = {key: s for key, s in sums.items() if s["n"] >= MIN_LABELS}
    cohorts: dict[int, list[float]] = defaultdict(list)
    for (_, week), s in kept.items():
        cohorts[week].append(s["seconds"] / s["n"])
    result = {}
    for (labeler_id, week), s in kept.items():
        x = s["seconds"] / s["n"]
        centre = _interpolated_median(cohorts[week])
        mad = _interpolated_median([abs(v - centre) for v in cohorts[week]])
        z = 0.6745 * (x - centre) / mad if mad > 0 else None
        result[(labeler_id, week)] = {
            "n": int(s["n"]), "x": x, "size": len(cohorts[week]), "median": centre, "mad": mad, "z": z,
            "bench": s["bench_ok"] / s["bench"] if s["bench"] else None,
            "first_pass": s["first_pass"] / s["decided"] if s["decided"] else None,
        }  # fmt: skip
    return result


def _binomial(mine: tuple[float, float, int], others: tuple[float, float, int]) -> dict[str, Any]:
    share = mine[0] / mine[1] if mine[1] else None
    cohort = others[0] / others[1] if others[1] else None
    z = None
    if share is not None and cohort is not None and mine[2] >= MIN_COUNT and 0 < cohort < 1:
        z = (share - cohort) / math.sqrt(cohort * (1 - cohort) / mine[2])
    return {"share": share, "count": mine[2], "cohort_share": cohort, "cohort_count": others[2], "z": z}


def _profiles(rows: Rows, project_id: int, start: datetime | None, end: datetime | None) -> dict[int, dict[str, Any]]:
    """Every labeler with labels in the window: their shares against the others', speed and profile."""
    in_window = [
        label
        for label in rows.labels
        if rows.tasks[label.task_id].project_id == project_id and _inside(label.submitted_at, start, end)
    ]
    people = sorted({label.labeler_id for label in in_window})
    measures: dict[str, dict[int, list[float]]] = {
        name: {p: [0.0, 0.0, 0] for p in people} for name in ("bench", "approval", "right", "agreement")
    }
    for label in in_window:
        task = rows.tasks[label.task_id]
        if task.is_benchmark and task.gold_answer is not None:
            m = measures["bench"][label.labeler_id]
            m[0], m[1], m[2] = m[0] + (label.answer == task.gold_answer), m[1] + 1, m[2] + 1
        m = measures["right"][label.labeler_id]
        m[0], m[1], m[2] = m[0] + (label.rework_count == 0), m[1] + 1, m[2] + 1
    authors = {label.id: label for label in rows.labels}
    for review in rows.reviews:
        label = authors[review.label_id]
        if rows.tasks[label.task_id].project_id != project_id or not _inside(review.created_at, start, end):
            continue
        if label.labeler_id in measures["approval"]:
            m = measures["approval"][label.labeler_id]
            m[0], m[1], m[2] = m[0] + (review.verdict == ReviewVerdict.THUMBS_UP), m[1] + 1, m[2] + 1
    units: dict[int, list[Label]] = defaultdict(list)
    for label in in_window:
        if rows.tasks[label.task_id].labels_required > 1:
            units[label.task_id].append(label)
    for unit in units.values():
        if len(unit) < 2:
            continue
        for label in unit:
            m = measures["agreement"][label.labeler_id]
            agreeing = sum(other.answer == label.answer for other in unit if other is not label)
            m[0], m[1], m[2] = m[0] + agreeing, m[1] + len(unit) - 1, m[2] + 1
    weeks = _weeks(rows, project_id, start, end)
    speeds: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (labeler_id, _), week in weeks.items():
        if week["size"] >= MIN_COHORT:
            speeds[labeler_id][0] += week["n"] * math.log(week["x"] / week["median"])
            speeds[labeler_id][1] += week["n"]
    relative = {labeler_id: s / n for labeler_id, (s, n) in speeds.items()}
    centre = median(relative.values()) if relative else 0.0
    mad = median(abs(v - centre) for v in relative.values()) if relative else 0.0
    result = {}
    for person in people:
        shares = {}
        for name, by_person in measures.items():
            mine = by_person[person]
            others = [sum(by_person[p][i] for p in people if p != person) for i in range(3)]
            shares[name] = _binomial((mine[0], mine[1], int(mine[2])), (others[0], others[1], int(others[2])))
        zs = [s["z"] for s in shares.values() if s["z"] is not None]
        quality_z = sum(zs) / math.sqrt(len(zs)) if zs else None
        quality = None if quality_z is None or abs(quality_z) <= CUTOFF else ("LOW" if quality_z < 0 else "HIGH")
        speed_z = 0.6745 * (relative[person] - centre) / mad if person in relative and mad > 0 else None
        speed = None if speed_z is None or abs(speed_z) <= CUTOFF else ("FAST" if speed_z < 0 else "SLOW")
        if quality == "LOW":
            profile = "FAST_AND_CARELESS" if speed_z is not None and speed_z < 0 else "CARELESS"
        elif speed == "SLOW":
            profile = "SLOW_AND_CAREFUL" if quality_z is not None and quality_z >= 0 else "SLOW"
        elif speed == "FAST":
            profile = "FAST"
        else:
            profile = "CAREFUL" if quality == "HIGH" else None
        result[person] = {"shares": shares, "quality_z": quality_z, "speed_z": speed_z, "profile": profile}
    return result


# --- the checks -------------------------------------------------------------------------------------------------

WINDOWS: list[tuple[datetime | None, datetime | None]] = [
    (None, None),
    (day(7), day(42)),
    # Cut inside days, written with offsets; reviews of its last labels fall after its end.
    (day(7, 5.5).astimezone(NEPAL), day(40, 21).astimezone(PACIFIC)),
    (day(21, 0.25).astimezone(PACIFIC), None),
    (None, day(13, 7).astimezone(NEPAL)),
]


def _approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("window", WINDOWS, ids=["all", "days", "cut", "from", "to"])
async def test_labeler_weeks_and_profiles_match_the_rows(database: Database, window: Any) -> None:
    projects = await _world(database)
    rows = await _rows(database)
    start, end = window
    flagged_seen: set[str] = set()
    for name, project_id in projects.items():
        expected_weeks = _weeks(rows, project_id, start, end)
        expected = _profiles(rows, project_id, start, end)
        async with database.session() as session:
            weeks = await fetch_outliers(session, Scope(project_id=project_id, start=start, end=end))
            dashboard = await project_dashboard(session, project_id, start=start, end=end)
        got = {(row.labeler_id, row.tenure_week): row for row in weeks}
        assert set(got) == set(expected_weeks), name
        for key, ref in expected_weeks.items():
            row = got[key]
            assert (row.labels, row.cohort_size) == (ref["n"], ref["size"]), (name, key)
            assert row.mean_seconds == _approx(ref["x"]), (name, key)
            assert row.cohort_median_seconds == _approx(ref["median"]), (name, key)
            assert row.cohort_mad_seconds == _approx(ref["mad"]), (name, key)
            assert row.robust_z == _approx(ref["z"]), (name, key)
            assert row.benchmark_accuracy == _approx(ref["bench"]), (name, key)
            assert row.first_pass_acceptance == _approx(ref["first_pass"]), (name, key)
        if name == "main" and start is None and end is None:
            # A week with exactly the minimum of labels is among them (the tie is kept).
            assert any(ref["n"] == MIN_LABELS for ref in expected_weeks.values())
        flagged_weeks = {key for key, ref in expected_weeks.items() if ref["z"] is not None and abs(ref["z"]) > CUTOFF}
        assert {(row.labeler_id, row.tenure_week) for row in dashboard.outliers} == flagged_weeks, name
        flagged = {p: ref for p, ref in expected.items() if ref["profile"] is not None}
        order = sorted(flagged, key=lambda p: (PROFILES.index(flagged[p]["profile"]), p))
        assert [profile.labeler_id for profile in dashboard.labeler_outliers] == order, name
        for profile in dashboard.labeler_outliers:
            ref = expected[profile.labeler_id]
            flagged_seen.add(ref["profile"])
            assert profile.profile == ref["profile"]
            assert profile.quality_z == _approx(ref["quality_z"]), (name, profile.labeler_id)
            assert profile.speed_z == _approx(ref["speed_z"]), (name, profile.labeler_id)
            for measure, share in (
                ("bench", profile.benchmark_accuracy),
                ("approval", profile.approval),
                ("right", profile.first_time_right),
                ("agreement", profile.agreement),
            ):
                want = ref["shares"][measure]
                assert (share.count, share.cohort_count) == (want["count"], want["cohort_count"]), measure
                assert share.share == _approx(want["share"]), (name, profile.labeler_id, measure)
                assert share.cohort_share == _approx(want["cohort_share"]), (name, profile.labeler_id, measure)
                assert share.z == _approx(want["z"]), (name, profile.labeler_id, measure)
    if start is None and end is None:
        # The world is built for these: a check that found nothing to compare would prove little.
        assert {"FAST_AND_CARELESS", "SLOW_AND_CAREFUL"} <= flagged_seen
