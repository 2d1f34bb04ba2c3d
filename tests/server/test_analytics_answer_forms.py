"""Equal answers written differently (keys in another order, 1.0 for 1) agree: submitted over GraphQL, agreement,
alpha and benchmark accuracy equal a recomputation over the parsed JSON, which knows nothing of stored text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Text, cast, select

from server.db import Database
from server.db.models import Label, Task
from tests.server.graphql_client import CREATE_TASKS, build_workspace, expect_data, mutate_ok
from tests.server.test_analytics_quality import _nominal

pytestmark = pytest.mark.database

MARK_BENCHMARK = """
mutation($input: MarkBenchmarkInput!) {
  markBenchmark(input: $input) { __typename ... on UserError { message field } }
}
"""
SUBMIT_LABEL = """
mutation($input: SubmitLabelInput!) {
  submitLabel(input: $input) { __typename ... on UserError { message field } ... on LabelPayload { label { id } } }
}
"""
REVIEW_LABEL = """
mutation($input: ReviewLabelInput!) {
  reviewLabel(input: $input) { __typename ... on UserError { message field } }
}
"""
REWORK_LABEL = """
mutation($input: ReworkLabelInput!) {
  reworkLabel(input: $input) { __typename ... on UserError { message field } }
}
"""
DASHBOARD = """
query($projectId: ID!, $from: DateTime, $to: DateTime) {
  projectDashboard(projectId: $projectId, from: $from, to: $to) {
    __typename
    ... on UserError { message field }
    ... on ProjectDashboard {
      quality { benchmarkLabels benchmarkAccuracy }
      agreement { units values pairwise alpha byLabeler { labelerId agreement } }
    }
  }
}
"""

# Per task, each labeler's answer as the client wrote it. Equal answers come in other key orders, nested too, and
# with a whole number written as 2 or 2.0; the gold answer of the first task is written with 2.0 and its keys
# reversed. Labeler 2 disagrees on the first and last tasks, so alpha is defined (two categories or more).
_GOLD = {"size": 2.0, "class": "car"}
_ANSWERS: list[list[Any]] = [
    [{"class": "car", "size": 2}, {"size": 2.0, "class": "car"}, {"class": "bus", "size": 2}],
    [
        {"box": {"x": 1, "y": 2.0}, "class": "car"},
        {"class": "car", "box": {"y": 2, "x": 1.0}},
        {"box": {"y": 2, "x": 1}, "class": "car"},
    ],
    [{"class": "car", "size": 1}, {"size": 1.0, "class": "car"}, {"class": "car", "size": 3}],
]


def _categories(units: list[list[Any]]) -> list[list[int]]:
    """Each parsed answer replaced by the index of the first answer equal to it as a Python value (2 == 2.0,
    dicts equal whatever their order): categories found without any serialised text."""
    seen: list[Any] = []
    out: list[list[int]] = []
    for unit in units:
        row = []
        for value in unit:
            index = next((i for i, known in enumerate(seen) if known == value), None)
            if index is None:
                seen.append(value)
                index = len(seen) - 1
            row.append(index)
        out.append(row)
    return out


def parsed_agreement(units: list[list[Any]]) -> tuple[float, float]:
    """(pairwise agreement, Krippendorff's nominal alpha) of units of parsed JSON answers (each unit: the answers on
    one task, two or more), by the textbook formulas over categories of equal values."""
    categories = _categories(units)
    agreeing = sum(
        sum(1 for j, y in enumerate(unit) if j != i and y == x) for unit in categories for i, x in enumerate(unit)
    )
    pairs = sum(len(unit) * (len(unit) - 1) for unit in categories)
    _n, observed, expected = _nominal([[str(c) for c in unit] for unit in categories])
    return agreeing / pairs, (observed - expected) / (1 - expected)


async def _labeled(
    database: Database, units: list[list[Any]], gold: Any, *, review_share: float = 0.0, ontology: Any = None
) -> tuple[str, list[str], list[str]]:
    """A project of consensus tasks, one per unit of `units`, the first a benchmark with `gold`, each labeled over
    GraphQL with its unit's answers (one labeler each); returns the project, the labelers and the labels (task by
    task, labeler by labeler)."""
    labelers = len(units[0])
    workspace = await build_workspace(
        database, labelers=labelers, tasks=0, review_share=review_share, ontology=ontology
    )
    created = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    items = [{"externalId": f"t{i}", "createdAt": created, "labelsRequired": labelers} for i in range(len(units))]
    payload = await mutate_ok(
        database, CREATE_TASKS, {"input": {"projectId": workspace.project, "tasks": items}}, "createTasks"
    )
    tasks = [str(task["id"]) for task in payload["tasks"]]
    await mutate_ok(database, MARK_BENCHMARK, {"input": {"taskId": tasks[0], "goldAnswer": gold}}, "markBenchmark")
    submitted = datetime.now(UTC) - timedelta(minutes=30)
    labels = []
    for task, answers in zip(tasks, units, strict=True):
        for labeler, answer in zip(workspace.labelers, answers, strict=True):
            submission = {
                "taskId": task,
                "labelerId": labeler,
                "answer": answer,
                "startedAt": (submitted - timedelta(seconds=60)).isoformat(),
                "submittedAt": submitted.isoformat(),
            }
            payload = await mutate_ok(database, SUBMIT_LABEL, {"input": submission}, "submitLabel")
            labels.append(str(payload["label"]["id"]))
    return workspace.project, workspace.labelers, labels


async def _submitted(database: Database) -> str:
    """A project of three consensus tasks, the first a benchmark, labeled over GraphQL with `_ANSWERS`."""
    project, _, _ = await _labeled(database, _ANSWERS, _GOLD)
    return project


@pytest.mark.parametrize("window", ["whole history", "cut inside a day"])
async def test_equal_answers_written_differently_agree_and_match_the_gold(database: Database, window: str) -> None:
    # given three labelers' answers submitted over GraphQL, equal answers written in other key orders and 1.0 for 1
    project = await _submitted(database)
    # when the dashboard is read, from the rollups (whole history) or from the labels themselves (a cut window)
    variables: dict[str, Any] = {"projectId": project}
    if window == "cut inside a day":
        now = datetime.now(UTC)
        variables |= {"from": (now - timedelta(hours=3)).isoformat(), "to": now.isoformat()}
    data = (await expect_data(database, DASHBOARD, variables))["projectDashboard"]
    assert data["__typename"] == "ProjectDashboard", data
    # then agreement, alpha and benchmark accuracy are those of the parsed answers
    pairwise, alpha = parsed_agreement(_ANSWERS)
    # By hand: ordered pairs agreeing 2 + 6 + 2 of 18; categories A A B | C C C | D D E, so n = 9, the coincidences
    # off the diagonal sum to 4 and sum_c!=k n_c n_k = 81 - (4 + 1 + 9 + 4 + 1): alpha = 1 - 8 * 4 / 62 = 15/31.
    assert (pairwise, alpha) == (pytest.approx(10 / 18), pytest.approx(15 / 31))
    assert data["agreement"]["units"] == 3 and data["agreement"]["values"] == 9
    assert data["agreement"]["pairwise"] == pytest.approx(pairwise, rel=1e-12)
    assert data["agreement"]["alpha"] == pytest.approx(alpha, rel=1e-12)
    gold_right = sum(answer == _GOLD for answer in _ANSWERS[0])
    assert gold_right == 2
    assert data["quality"]["benchmarkLabels"] == 3
    assert data["quality"]["benchmarkAccuracy"] == pytest.approx(gold_right / 3)


async def test_answers_are_stored_in_one_text_whoever_wrote_them(database: Database) -> None:
    # given the same answers submitted in other key orders and number spellings
    await _submitted(database)
    # when their stored text is read
    async with database.session() as session:
        texts = (await session.execute(select(cast(Label.answer, Text)).order_by(Label.id))).scalars().all()
        gold = (await session.execute(select(cast(Task.gold_answer, Text)).where(Task.is_benchmark))).scalar_one()
    # then equal answers have one text: keys sorted at every depth, whole numbers as integers
    assert texts[:2] == ['{"class": "car", "size": 2}'] * 2
    assert set(texts[3:6]) == {'{"box": {"x": 1, "y": 2}, "class": "car"}'}
    assert gold == '{"class": "car", "size": 2}'


# A multi-choice field is a set: the same choices listed in another order are one answer.
_TAGS_ONTOLOGY = {"fields": [{"name": "tags", "kind": "multi_choice", "choices": ["a", "b", "c"], "required": True}]}
_TAGS_GOLD = {"tags": ["c", "a"]}
_TAGS: list[list[Any]] = [
    [{"tags": ["a", "c"]}, {"tags": ["c", "a"]}, {"tags": ["b"]}],
    [{"tags": ["a", "b"]}, {"tags": ["b", "a"]}, {"tags": ["b", "a"]}],
]


def _as_sets(units: list[list[Any]]) -> list[list[Any]]:
    return [[{"tags": frozenset(answer["tags"])} for answer in unit] for unit in units]


async def _tagged(database: Database, review_share: float = 0.0) -> tuple[str, list[str], list[str]]:
    """A project typed with a multi-choice field, two consensus tasks (the first a benchmark whose gold lists its
    choices in another order than the labels) labeled over GraphQL with `_TAGS`."""
    return await _labeled(database, _TAGS, _TAGS_GOLD, review_share=review_share, ontology=_TAGS_ONTOLOGY)


@pytest.mark.parametrize("window", ["whole history", "cut inside a day"])
async def test_multi_choice_answers_listing_their_choices_in_another_order_agree(
    database: Database, window: str
) -> None:
    # given answers to a multi-choice field submitted over GraphQL, equal sets of choices listed in other orders
    project, _, _ = await _tagged(database)
    # when the dashboard is read, from the rollups or from the labels themselves
    variables: dict[str, Any] = {"projectId": project}
    if window == "cut inside a day":
        now = datetime.now(UTC)
        variables |= {"from": (now - timedelta(hours=3)).isoformat(), "to": now.isoformat()}
    data = (await expect_data(database, DASHBOARD, variables))["projectDashboard"]
    assert data["__typename"] == "ProjectDashboard", data
    # then agreement and benchmark accuracy are those of the answers read as sets of choices
    pairwise, alpha = parsed_agreement(_as_sets(_TAGS))
    assert pairwise == pytest.approx(8 / 12)
    assert data["agreement"]["pairwise"] == pytest.approx(pairwise, rel=1e-12)
    assert data["agreement"]["alpha"] == pytest.approx(alpha, rel=1e-12)
    assert data["quality"]["benchmarkAccuracy"] == pytest.approx(2 / 3)


async def test_multi_choice_answers_are_stored_sorted_on_submit_rework_and_gold(database: Database) -> None:
    # given multi-choice answers and a gold answer listing their choices out of order
    _, labelers, labels = await _tagged(database, review_share=1.0)
    # when the third labeler's rejected label is reworked with its choices out of order again
    review = {
        "labelId": labels[2],
        "reviewerId": labelers[0],
        "verdict": "THUMBS_DOWN",
        "secondsToReview": 5.0,
        "comment": "tag b is wrong",
    }
    await mutate_ok(database, REVIEW_LABEL, {"input": review}, "reviewLabel")
    rework = {"labelId": labels[2], "labelerId": labelers[2], "answer": {"tags": ["c", "b"]}, "reworkSeconds": 3.0}
    await mutate_ok(database, REWORK_LABEL, {"input": rework}, "reworkLabel")
    # then every stored list of choices is sorted
    async with database.session() as session:
        texts = (await session.execute(select(cast(Label.answer, Text)).order_by(Label.id))).scalars().all()
        gold = (await session.execute(select(cast(Task.gold_answer, Text)).where(Task.is_benchmark))).scalar_one()
    assert texts == [
        '{"tags": ["a", "c"]}',
        '{"tags": ["a", "c"]}',
        '{"tags": ["b", "c"]}',
        '{"tags": ["a", "b"]}',
        '{"tags": ["a", "b"]}',
        '{"tags": ["a", "b"]}',
    ]
    assert gold == '{"tags": ["a", "c"]}'
