"""Quality metrics against hand-computed fixtures, and Krippendorff's alpha against the textbook example."""

from __future__ import annotations

from collections import Counter
from itertools import permutations

import pytest

from server.db import Database
from server.db.enums import LabelStatus, ReviewVerdict
from server.services.analytics import Scope, fetch_agreement, fetch_issues, quality_metrics
from server.services.analytics.dashboard import project_dashboard
from tests.server.test_analytics_world import World, day

CAT, DOG = {"c": "cat"}, {"c": "dog"}


async def _quality_world(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project, other = await w.project(), await w.project()
        a, b, c, reviewer = [await w.labeler(vendor) for _ in range(4)]
        t1 = await w.task(project, is_benchmark=True, gold_answer=CAT)
        t2 = await w.task(project, is_benchmark=True, gold_answer=DOG)
        t3, t4, t5, t6 = [await w.task(project) for _ in range(4)]
        accepted, rejected, submitted = LabelStatus.ACCEPTED, LabelStatus.REJECTED, LabelStatus.SUBMITTED
        t1a = await w.label(t1, a, answer=CAT, at=day(1, 1), status=accepted)
        t1b = await w.label(t1, b, answer=DOG, at=day(1, 2), status=rejected)
        await w.label(t2, a, answer=DOG, at=day(1, 3), status=accepted)
        await w.label(t2, c, answer=DOG, at=day(1, 4), status=accepted)
        t3a = await w.label(t3, a, at=day(2, 1), status=accepted)
        t4b = await w.label(t4, b, at=day(2, 2), status=accepted, rework_count=1, rework_seconds=30)
        t5c = await w.label(t5, c, at=day(2, 3), status=rejected)
        await w.label(t6, c, at=day(2, 4), status=submitted)
        # Outside the scope: a label before the window, and one in another project.
        early = await w.task(project)
        await w.label(early, a, at=day(0, 1), status=rejected)
        elsewhere = await w.task(other)
        await w.label(elsewhere, b, at=day(1, 5), status=rejected, rework_count=2)

        up, down = ReviewVerdict.THUMBS_UP, ReviewVerdict.THUMBS_DOWN
        await w.review(t1a, reviewer, up, seconds=10, at=day(1, 6))
        await w.review(t1b, reviewer, down, seconds=20, at=day(1, 6))
        await w.review(t3a, reviewer, up, seconds=30, at=day(2, 6))
        await w.review(t4b, reviewer, down, seconds=40, at=day(2, 6))
        await w.review(t4b, reviewer, up, seconds=50, at=day(2, 8))
        await w.review(t5c, reviewer, down, seconds=60, at=day(2, 9))
        await w.review(t5c, reviewer, up, seconds=99, at=day(3, 1))  # after the window

        await w.issue(project, at=day(1, 1))  # raised in window, open
        await w.issue(project, at=day(1, 2), resolved_at=day(1, 5))  # raised and resolved in window, 3 h
        await w.issue(project, at=day(0, 14), resolved_at=day(1, 0))  # raised before, resolved in window, 10 h
        await w.issue(other, at=day(1, 1))
        return {"project": project.id, "a": a.id, "b": b.id, "c": c.id}


async def test_quality_of_a_project_over_a_window(database: Database) -> None:
    ids = await _quality_world(database)
    scope = Scope(project_id=ids["project"], start=day(1), end=day(3))
    async with database.session() as session:
        quality = await quality_metrics(session, scope)
        issues = await fetch_issues(session, scope)
    # 8 labels in scope; benchmark labels t1a (right), t1b (wrong), t2a, t2c (right): 3/4.
    assert quality.labels == 8
    assert quality.benchmark_labels == 4
    assert quality.benchmark_accuracy == pytest.approx(0.75)
    # Decided: all but t6c (submitted, never reworked) = 7; accepted with no rework: t1a, t2a, t2c, t3a = 4.
    assert quality.first_pass_acceptance == pytest.approx(4 / 7)
    # Reworked: t4b only.
    assert quality.rework_rate == pytest.approx(1 / 8)
    # Six reviews in the window, thumbs up on t1a, t3a and t4b's second review.
    assert quality.reviews == 6
    assert quality.approval_rate == pytest.approx(0.5)
    # Issues raised in the window: one open, one resolved; resolved in window: 3 h and 10 h.
    assert (issues.raised, issues.open, issues.resolved, issues.resolved_in_window) == (2, 1, 1, 2)
    assert issues.mean_hours_to_resolve == pytest.approx(6.5)


async def test_quality_per_labeler_and_per_labeler_scope(database: Database) -> None:
    ids = await _quality_world(database)
    async with database.session() as session:
        dashboard = await project_dashboard(session, ids["project"], start=day(1), end=day(3))
        b_only = await quality_metrics(
            session, Scope(project_id=ids["project"], labeler_id=ids["b"], start=day(1), end=day(3))
        )
    rows = {row.labeler_id: row for row in dashboard.labelers}
    # a: t1a, t2a right on benchmarks; t1a, t2a, t3a all first-pass; reviews t1a, t3a both up.
    assert rows[ids["a"]].quality.benchmark_accuracy == pytest.approx(1.0)
    assert rows[ids["a"]].quality.first_pass_acceptance == pytest.approx(1.0)
    assert rows[ids["a"]].quality.approval_rate == pytest.approx(1.0)
    # b: t1b wrong; t1b rejected, t4b reworked: 0 of 2 first-pass; reviews down, down, up.
    assert rows[ids["b"]].quality.benchmark_accuracy == pytest.approx(0.0)
    assert rows[ids["b"]].quality.first_pass_acceptance == pytest.approx(0.0)
    assert rows[ids["b"]].quality.approval_rate == pytest.approx(1 / 3)
    assert rows[ids["b"]].quality.rework_rate == pytest.approx(0.5)
    # c: t2c right; decided t2c, t5c: 1 of 2 first-pass; one review, down.
    assert rows[ids["c"]].quality.first_pass_acceptance == pytest.approx(0.5)
    assert rows[ids["c"]].quality.approval_rate == pytest.approx(0.0)
    assert b_only.labels == 2
    assert b_only.approval_rate == pytest.approx(1 / 3)


async def _consensus(database: Database, units: list[list[object]]) -> tuple[int, list[int]]:
    """One consensus task per unit; units[u][i] is labeler i's answer (None: no label)."""
    async with database.transaction() as session:
        w = World(session)
        vendor = await w.vendor()
        project = await w.project(consensus_labels_per_task=len(units[0]))
        labelers = [await w.labeler(vendor) for _ in units[0]]
        for u, answers in enumerate(units):
            task = await w.task(project, labels_required=len(answers))
            for i, answer in enumerate(answers):
                if answer is not None:
                    await w.label(task, labelers[i], answer=answer, at=day(1, u * 0.1 + i * 0.01))
        return project.id, [labeler.id for labeler in labelers]


async def test_agreement_hand_computed(database: Database) -> None:
    cat, dog = "cat", "dog"
    project_id, (a, b, c) = await _consensus(
        database, [[cat, cat, cat], [cat, dog, cat], [dog, dog, None], [cat, None, None]]
    )
    async with database.session() as session:
        agreement = await fetch_agreement(session, Scope(project_id=project_id))
    # Pairable units u1..u3 (u4 has one label): n = 3 + 3 + 2 = 8 values.
    assert (agreement.units, agreement.values) == (3, 8)
    # Ordered pairs: u1 6 (all agree), u2 6 (the two cats agree: 2), u3 2 (agree): 10 of 14.
    assert (agreement.agreeing_pairs, agreement.pairs) == (10, 14)
    assert agreement.pairwise == pytest.approx(10 / 14)
    # A_o = (3·2/2 + 2·1/2 + 2·1/1) / 8 = 6/8; n_cat = 5, n_dog = 3: A_e = (5·4 + 3·2) / (8·7) = 26/56.
    assert agreement.observed == pytest.approx(0.75)
    assert agreement.expected == pytest.approx(26 / 56)
    # alpha = (6/8 - 26/56) / (1 - 26/56) = (8/28) / (15/28) = 8/15.
    assert agreement.alpha == pytest.approx(8 / 15)
    per = {row.labeler_id: row for row in agreement.by_labeler}
    # a: u1 2/2, u2 1/2, u3 1/1 -> 4/5; b: 2/2, 0/2, 1/1 -> 3/5; c: 2/2, 1/2 -> 3/4.
    assert (per[a].agreeing_pairs, per[a].pairs) == (4, 5)
    assert (per[b].agreeing_pairs, per[b].pairs) == (3, 5)
    assert (per[c].agreeing_pairs, per[c].pairs) == (3, 4)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example: 4 observers, 12 units.
_KRIPPENDORFF = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _alpha_by_coincidence_matrix(observers: list[list[object]]) -> float:
    """Krippendorff's nominal alpha from the coincidence matrix, as the paper computes it."""
    coincidences: Counter[tuple[object, object]] = Counter()
    for unit in zip(*observers, strict=True):
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for x, y in permutations(range(m), 2):
            coincidences[(values[x], values[y])] += 1 / (m - 1)
    n_c: Counter[object] = Counter()
    for (x, _), weight in coincidences.items():
        n_c[x] += weight
    n = sum(n_c.values())
    disagree_observed = sum(weight for (x, y), weight in coincidences.items() if x != y)
    disagree_expected = sum(n_c[x] * n_c[y] for x in n_c for y in n_c if x != y) / (n - 1)
    return 1 - (n - 1) * disagree_observed / (disagree_expected * (n - 1))


async def test_krippendorff_alpha_textbook_example(database: Database) -> None:
    units = [list(unit) for unit in zip(*_KRIPPENDORFF, strict=True)]
    project_id, _ = await _consensus(database, units)
    async with database.session() as session:
        agreement = await fetch_agreement(session, Scope(project_id=project_id))
    # The paper reports alpha = 0.743 for these data; 11 units are pairable with n = 40 values.
    reference = _alpha_by_coincidence_matrix(_KRIPPENDORFF)
    assert reference == pytest.approx(0.743, abs=5e-4)
    assert agreement.values == 40
    assert agreement.alpha == pytest.approx(reference, rel=1e-12)


def _nominal(units: list[list[str]]) -> tuple[int, float, float]:
    """(n, A_o, A_e) of Krippendorff's nominal alpha over units (lists of answers), by the coincidence matrix."""
    coincidences: Counter[tuple[str, str]] = Counter()
    for values in units:
        for x, y in permutations(range(len(values)), 2):
            coincidences[(values[x], values[y])] += 1 / (len(values) - 1)
    totals: Counter[str] = Counter()
    for (x, _), weight in coincidences.items():
        totals[x] += weight
    n = sum(totals.values())
    observed = sum(weight for (x, y), weight in coincidences.items() if x == y) / n
    expected = sum(totals[x] * (totals[x] - 1) for x in totals) / (n * (n - 1))
    return round(n), observed, expected


@pytest.mark.parametrize("window", ["whole days", "partial days"])
async def test_agreement_of_a_vendor_is_computed_within_each_project_and_combined(
    database: Database, window: str
) -> None:
    # Two projects whose answers share no category; vendor V labels on both, vendor W on the second only.
    first_units = [["cat", "cat", "dog"], ["dog", "dog", "dog"], ["cat", "dog", "dog"], ["cat", "cat", "cat"]]
    second_units = [["red", "red", "blue"], ["blue", "blue", "red"], ["red", "red", "red"], ["blue", "red", "red"]]
    async with database.transaction() as session:
        w = World(session)
        v, other = await w.vendor(), await w.vendor()
        first, second = await w.project(), await w.project()
        vs = [await w.labeler(v) for _ in range(3)]
        ws = [await w.labeler(other) for _ in range(3)]
        for project, units, who in ((first, first_units, [vs, vs]), (second, second_units, [vs, ws])):
            for index, answers in enumerate(units):
                labelers = who[index % 2]
                task = await w.task(project, labels_required=3)
                for k, (answer, labeler) in enumerate(zip(answers, labelers, strict=True)):
                    await w.label(task, labeler, answer={"c": answer}, at=day(1, 2 + index + k / 10))
    start, end = (day(1, 0), day(2, 0)) if window == "whole days" else (day(1, 1), day(1, 20))
    async with database.session() as session:
        by_vendor = await fetch_agreement(session, Scope(vendor_id=v.id, start=start, end=end))
        by_other = await fetch_agreement(session, Scope(vendor_id=other.id, start=start, end=end))
        overall = await fetch_agreement(session, Scope(start=start, end=end))
        per_project = [
            await fetch_agreement(session, Scope(project_id=p.id, start=start, end=end)) for p in (first, second)
        ]

    def combined(parts: list[list[list[str]]]) -> float:
        stats = [_nominal(units) for units in parts]
        return 1 - sum(n * (1 - a_o) for n, a_o, _ in stats) / sum(n * (1 - a_e) for n, _, a_e in stats)

    # V took part in every unit of the first project and in half of the second's.
    mine = [first_units, second_units[0::2]]
    assert by_vendor.units == 6 and by_vendor.alpha == pytest.approx(combined(mine))
    assert [item.project_id for item in by_vendor.by_project] == [first.id, second.id]
    for item, units in zip(by_vendor.by_project, mine, strict=True):
        n, a_o, a_e = _nominal(units)
        assert (item.units, item.values) == (len(units), n)
        assert item.alpha == pytest.approx((a_o - a_e) / (1 - a_e))
    assert by_other.units == 2 and by_other.alpha == pytest.approx(combined([second_units[1::2]]))
    # Everything: each project's own alpha, combined; a single project is its own alpha.
    assert overall.alpha == pytest.approx(combined([first_units, second_units]))
    assert [p.alpha for p in per_project] == [item.alpha for item in overall.by_project]
    assert per_project[0].alpha == pytest.approx(combined([first_units]))
    # Pooled over both projects, every cross-project pair would be an expected disagreement: a higher alpha.
    _, pooled_o, pooled_e = _nominal([*first_units, *second_units])
    assert (pooled_o - pooled_e) / (1 - pooled_e) > overall.alpha + 0.05


async def test_issues_of_a_labeler_count_those_raised_without_a_label(database: Database) -> None:
    async with database.transaction() as session:
        w = World(session)
        v, other = await w.vendor(), await w.vendor()
        project = await w.project()
        a, b = await w.labeler(v), await w.labeler(other)
        task = await w.task(project)
        label = await w.label(task, a, at=day(1, 1))
        await w.issue(project, at=day(1, 2), label=label, raised_by=b)  # on a's label, raised by b: a's
        await w.issue(project, at=day(1, 3), task=task, raised_by=a)  # no label, raised by a: a's
        await w.issue(project, at=day(1, 4), raised_by=b)  # no label, raised by b: b's
        await w.issue(project, at=day(1, 5))  # nobody's
    window = {"start": day(1, 0), "end": day(1, 12)}
    async with database.session() as session:
        raised = {
            name: (await fetch_issues(session, Scope(**scope, **window))).raised
            for name, scope in (
                ("a", {"labeler_id": a.id}),
                ("b", {"labeler_id": b.id}),
                ("v", {"vendor_id": v.id}),
                ("other", {"vendor_id": other.id}),
                ("all", {"project_id": project.id}),
            )
        }
    assert raised == {"a": 2, "b": 1, "v": 2, "other": 1, "all": 4}
