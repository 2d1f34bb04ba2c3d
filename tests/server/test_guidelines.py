"""Versioned guidelines over GraphQL: publishing versions, diffs, typed ontologies checking answers on submit,
and labels recording the version they were made under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from server.db import Database
from server.db.enums import DataType
from server.db.guidelines import GuidelineVersion, ImmutableVersion
from server.db.models import Label, Task
from server.services.crud.projects import ProjectFields, create_project
from server.services.errors import ValidationFailed
from server.services.guidelines import fill_label_versions, version_in_force
from server.services.ontology import parse_ontology
from tests.server.engine_events import statements_run
from tests.server.graphql_client import build_workspace, expect_data, mutate_ok

PUBLISH = """
mutation($input: PublishGuidelineVersionInput!) {
  publishGuidelineVersion(input: $input) {
    __typename
    ... on GuidelineVersionPayload {
      version { number author changeNote instructions issueIds examples { input answer } fields { name choices } }
    }
    ... on UserError { message field }
  }
}
"""
VERSIONS = """
query($projectId: ID!) {
  guidelineVersions(projectId: $projectId) { number changeNote ontology instructions commonMistakes { mistake } }
  project(id: $projectId) { ontology instructions }
}
"""
DIFF = """
query($projectId: ID!, $from: Int!, $to: Int!) {
  guidelineDiff(projectId: $projectId, fromNumber: $from, toNumber: $to) {
    instructions examplesAdded mistakesAdded fields { name change choicesAdded choicesRemoved }
  }
}
"""
UPDATE_PROJECT = """
mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) { __typename ... on UserError { message field } }
}
"""
SUBMIT_LABEL = """
mutation($input: SubmitLabelInput!) {
  submitLabel(input: $input) {
    __typename
    ... on LabelPayload { label { id guidelineVersion } }
    ... on UserError { message field }
    ... on ValidationError { value }
  }
}
"""
RAISE_ISSUE = """
mutation($input: RaiseIssueInput!) { raiseIssue(input: $input) { __typename ... on IssuePayload { issue { id } } } }
"""

TONE_V1 = {"field": "tone", "classes": ["calm", "angry"]}
TONE_V2 = {"fields": [{"name": "tone", "kind": "choice", "choices": ["calm", "angry", "sarcastic"]}]}


async def _publish(database: Database, project: str, **values: Any) -> dict[str, Any]:
    data = await expect_data(database, PUBLISH, {"input": {"projectId": project, **values}})
    return dict(data["publishGuidelineVersion"])


async def _typed_workspace(database: Database) -> Any:
    workspace = await build_workspace(database, labelers=2, tasks=3)
    await mutate_ok(
        database,
        UPDATE_PROJECT,
        {"input": {"id": workspace.project, "ontology": TONE_V1, "instructions": "Pick the tone."}},
        "updateProject",
    )
    return workspace


async def test_given_a_project_when_guidelines_change_then_each_change_is_a_new_version_and_old_ones_stay(
    database: Database,
) -> None:
    # given a project created with version 1, then a typed ontology set through updateProject (version 2)
    workspace = await _typed_workspace(database)
    issue = await expect_data(
        database, RAISE_ISSUE, {"input": {"projectId": workspace.project, "title": "Sarcasm?", "body": "Which tone?"}}
    )
    issue_id = issue["raiseIssue"]["issue"]["id"]

    # when a program manager publishes version 3 for the issue
    published = await _publish(
        database,
        workspace.project,
        changeNote="Sarcasm is its own tone.",
        ontology=TONE_V2,
        instructions="Pick the tone.\nSarcasm is `sarcastic`, not `angry`.",
        examples=[{"input": "Great, another outage.", "answer": {"tone": "sarcastic"}, "explanation": "Irony."}],
        commonMistakes=[{"mistake": "Sarcasm labelled angry", "correction": "Use sarcastic"}],
        issueIds=[issue_id],
    )

    # then it is version 3, linked to the issue, and the project shows it; versions 1 and 2 are unchanged
    assert published["__typename"] == "GuidelineVersionPayload", published
    version = published["version"]
    assert (version["number"], version["author"], version["issueIds"]) == (3, "system", [issue_id])
    assert version["fields"] == [{"name": "tone", "choices": ["calm", "angry", "sarcastic"]}]
    data = await expect_data(database, VERSIONS, {"projectId": workspace.project})
    assert [v["number"] for v in data["guidelineVersions"]] == [3, 2, 1]
    assert data["guidelineVersions"][1]["ontology"] == TONE_V1
    assert data["guidelineVersions"][2]["ontology"] == {}
    assert data["guidelineVersions"][0]["commonMistakes"] == [{"mistake": "Sarcasm labelled angry"}]
    assert data["project"] == {
        "ontology": TONE_V2,
        "instructions": "Pick the tone.\nSarcasm is `sarcastic`, not `angry`.",
    }

    # and the diff between 2 and 3 names the added choice and the added line
    diff = (await expect_data(database, DIFF, {"projectId": workspace.project, "from": 2, "to": 3}))["guidelineDiff"]
    assert diff["fields"] == [
        {"name": "tone", "change": "CHANGED", "choicesAdded": ["sarcastic"], "choicesRemoved": []}
    ]
    assert "+Sarcasm is `sarcastic`, not `angry`." in diff["instructions"]
    assert (diff["examplesAdded"], diff["mistakesAdded"]) == (1, 1)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"changeNote": "  "}, "input.changeNote"),
        (
            {"changeNote": "x", "ontology": {"fields": [{"name": "t", "kind": "slider"}]}},
            "input.ontology.fields[0].kind",
        ),
        ({"changeNote": "x", "ontology": {"field": "t", "classes": []}}, "input.ontology.classes"),
        (
            {"changeNote": "x", "examples": [{"input": "hi", "answer": {"tone": "happy"}}]},
            "input.examples[0].answer.tone",
        ),
        ({"changeNote": "x", "commonMistakes": [{"mistake": "m"}]}, "input.commonMistakes[0].correction"),
    ],
)
async def test_given_bad_guidelines_when_published_then_the_error_names_the_field_and_nothing_changes(
    database: Database, values: dict[str, Any], field: str
) -> None:
    workspace = await _typed_workspace(database)

    result = await _publish(database, workspace.project, **values)

    assert result["__typename"] == "ValidationError" and result["field"] == field, result
    data = await expect_data(database, VERSIONS, {"projectId": workspace.project})
    assert [v["number"] for v in data["guidelineVersions"]] == [2, 1]


def _submission(workspace: Any, answer: Any, *, task: int, started: datetime) -> dict[str, Any]:
    return {
        "taskId": workspace.tasks[task],
        "labelerId": workspace.labelers[0],
        "answer": answer,
        "startedAt": started.isoformat(),
        "submittedAt": (started + timedelta(seconds=30)).isoformat(),
    }


async def test_given_a_typed_ontology_when_an_answer_does_not_fit_then_submit_names_the_field_and_value(
    database: Database,
) -> None:
    workspace = await _typed_workspace(database)
    started = datetime.now(UTC) + timedelta(seconds=1)  # under version 2, the typed one

    refused = await expect_data(
        database, SUBMIT_LABEL, {"input": _submission(workspace, {"tone": "happy"}, task=0, started=started)}
    )
    missing = await expect_data(
        database, SUBMIT_LABEL, {"input": _submission(workspace, {"mood": "calm"}, task=0, started=started)}
    )
    accepted = await expect_data(
        database, SUBMIT_LABEL, {"input": _submission(workspace, {"tone": "calm"}, task=0, started=started)}
    )

    assert refused["submitLabel"] == {
        "__typename": "ValidationError",
        "message": "input.answer.tone must be one of calm, angry, got 'happy'",
        "field": "input.answer.tone",
        "value": "happy",
    }
    assert missing["submitLabel"]["field"] == "input.answer.tone"
    assert accepted["submitLabel"]["__typename"] == "LabelPayload"


async def test_given_a_new_version_when_labels_are_submitted_then_each_records_the_version_in_force_at_its_start(
    database: Database,
) -> None:
    workspace = await _typed_workspace(database)
    before = datetime.now(UTC) + timedelta(seconds=1)
    # version 3 takes effect a minute from now: labels started before then are made under version 2
    after = datetime.now(UTC) + timedelta(minutes=1)
    await _publish(
        database,
        workspace.project,
        changeNote="Sarcasm is its own tone.",
        ontology=TONE_V2,
        createdAt=after.isoformat(),
    )

    # a label started before version 3 answers version 2's ontology: `sarcastic` did not exist yet
    old_rules = await expect_data(
        database, SUBMIT_LABEL, {"input": _submission(workspace, {"tone": "sarcastic"}, task=0, started=before)}
    )
    old = await expect_data(
        database, SUBMIT_LABEL, {"input": _submission(workspace, {"tone": "calm"}, task=0, started=before)}
    )
    new = await expect_data(
        database,
        SUBMIT_LABEL,
        {"input": _submission(workspace, {"tone": "sarcastic"}, task=1, started=after + timedelta(seconds=1))},
    )

    assert old_rules["submitLabel"]["field"] == "input.answer.tone"
    async with database.session() as session:
        versions = dict(
            (await session.execute(select(Label.task_id, GuidelineVersion.number).join(GuidelineVersion))).all()
        )
    assert old["submitLabel"]["__typename"] == new["submitLabel"]["__typename"] == "LabelPayload"
    assert sorted(versions.values()) == [2, 3]
    assert (old["submitLabel"]["label"]["guidelineVersion"], new["submitLabel"]["label"]["guidelineVersion"]) == (2, 3)


async def test_given_labels_without_a_version_when_filled_then_each_gets_the_version_in_force_at_its_start(
    database: Database,
) -> None:
    # given labels under versions 2 and 3 of one project, and a label of another project, all unstamped
    workspace = await _typed_workspace(database)
    now = datetime.now(UTC)
    await _publish(
        database,
        workspace.project,
        changeNote="Sarcasm.",
        ontology=TONE_V2,
        createdAt=(now + timedelta(minutes=1)).isoformat(),
    )
    for task, started in ((0, now + timedelta(seconds=1)), (1, now + timedelta(minutes=1, seconds=1))):
        submitted = await expect_data(
            database, SUBMIT_LABEL, {"input": _submission(workspace, {"tone": "calm"}, task=task, started=started)}
        )
        assert submitted["submitLabel"]["__typename"] == "LabelPayload"
    async with database.transaction() as session:
        other = await create_project(session, ProjectFields(name="Other", data_type=DataType.TEXT))
        task = Task(project_id=other.id, external_id="o-1", created_at=now)
        session.add(task)
        await session.flush()
        labeler = (await session.scalars(select(Label.labeler_id).limit(1))).one()
        session.add(
            Label(
                task_id=task.id,
                labeler_id=labeler,
                answer={},
                started_at=now,
                submitted_at=now,
                seconds_to_label=1.0,
                guideline_version_id=(
                    await session.scalars(select(GuidelineVersion.id).where(GuidelineVersion.project_id == other.id))
                ).one(),
            )
        )
    async with database.transaction() as session:
        labels = (await session.scalars(select(Label).order_by(Label.id))).all()
        expected = [label.guideline_version_id for label in labels]
        for label in labels:
            label.guideline_version_id = None

    # when they are filled from their times
    async with database.transaction() as session:
        stamped = await fill_label_versions(session)

    # then each has the version it was stamped with on submit again
    async with database.session() as session:
        labels = (await session.scalars(select(Label).order_by(Label.id))).all()
        numbers = [
            (await session.get(GuidelineVersion, label.guideline_version_id)).number  # type: ignore[union-attr]
            for label in labels
        ]
    assert (stamped, [label.guideline_version_id for label in labels]) == (3, expected)
    assert numbers == [2, 3, 1]


async def test_a_stored_version_cannot_be_changed(database: Database) -> None:
    workspace = await _typed_workspace(database)
    assert workspace.project
    with pytest.raises(ImmutableVersion, match="immutable"):
        async with database.transaction() as session:
            version = (await session.scalars(select(GuidelineVersion).limit(1))).one()
            version.instructions = "rewritten history"
            await session.flush()


def test_ontology_forms_type_the_same_fields_and_agreement_compares_categorical_ones() -> None:
    legacy = parse_ontology(
        {"kind": "bounding_box", "field": "class", "classes": ["car"], "attributes": {"occluded": "boolean"}}
    )
    listed = parse_ontology(
        {"fields": [{"name": "class", "kind": "choice", "choices": ["car"]}, {"name": "occluded", "kind": "boolean"}]}
    )
    assert legacy == listed
    assert legacy.agreement_key({"class": "car", "occluded": True, "box": [1, 2, 3, 4]}) == {"class": "car"}
    assert parse_ontology({"classes": ["car"]}).fields == ()  # untyped: any answer fits
    with pytest.raises(ValidationFailed, match=r"answer\.occluded must be true or false, got 'yes'"):
        legacy.check_answer({"class": "car", "occluded": "yes"})


async def test_the_version_in_force_is_the_newest_published_by_then_else_the_first_in_one_statement(
    database: Database,
) -> None:
    # given a project whose versions 1, 2 and 3 were published an hour apart, and one from before versioning
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    async with database.transaction() as session:
        project = await create_project(session, ProjectFields(name="Versioned", data_type=DataType.TEXT))
        bare = await create_project(session, ProjectFields(name="Unversioned", data_type=DataType.TEXT))
        await session.execute(delete(GuidelineVersion).where(GuidelineVersion.project_id == bare.id))
        await session.execute(
            update(GuidelineVersion).where(GuidelineVersion.project_id == project.id).values(created_at=start)
        )
        session.add_all(
            GuidelineVersion(project_id=project.id, number=n, created_at=start + timedelta(hours=n - 1)) for n in (2, 3)
        )
    moments = {
        "before any": start - timedelta(days=1),
        "at the first": start,
        "between": start + timedelta(minutes=30),
        "at the second (a tie)": start + timedelta(hours=1),
        "a microsecond before the third": start + timedelta(hours=2, microseconds=-1),
        "after the last": start + timedelta(days=1),
    }
    # when the version in force is asked at each moment
    found: dict[str, int | None] = {}
    with statements_run(database) as statements:
        async with database.session() as session:
            for name, at in moments.items():
                version = await version_in_force(session, project.id, at)
                found[name] = None if version is None else version.number
            unversioned = await version_in_force(session, bare.id, start)
    # then each is the newest published by then (or the first, before any), one statement each
    assert found == {
        "before any": 1,
        "at the first": 1,
        "between": 1,
        "at the second (a tie)": 2,
        "a microsecond before the third": 2,
        "after the last": 3,
    }
    assert unversioned is None
    assert len(statements) == len(moments) + 1
