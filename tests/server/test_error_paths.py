"""Every mutation family names a bad nested value by the path the client sent, camelCase, and says its value.

Services raise errors with snake_case paths relative to the argument they were given; these tests read only what a
client reads: `field` and `message` of the typed error in the result union.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.db import Database
from tests.server.graphql_client import Workspace, build_workspace, expect_data, mutate_ok

Ids = dict[str, str]


@dataclass(frozen=True)
class Case:
    operation: str  # the root field, e.g. createVendor
    argument: str  # "input: CreateVendorInput!" or "id: ID!"
    variables: Callable[[Ids], dict[str, Any]]
    field: str  # the field the client must be told
    message: str  # the whole message it must read
    kind: str = "mutation"

    def document(self) -> str:
        name, type_name = self.argument.split(": ")
        return (
            f"{self.kind}(${name}: {type_name}) {{ {self.operation}({name}: ${name}) {{"
            " __typename ... on UserError { message field } } }"
        )


_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
_LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()
_VENDOR = {"name": "Vendor B", "workforceType": "CROWD", "pricingModel": "HOURLY", "rate": 10.0}

CASES = [
    Case(
        "createVendor",
        "input: CreateVendorInput!",
        lambda ids: {"input": {**_VENDOR, "industries": ["retail", "  "]}},
        "input.industries[1]",
        "input.industries[1] must not be empty, got '  '",
    ),
    Case(
        "updateVendor",
        "input: UpdateVendorInput!",
        lambda ids: {"input": {"id": ids["vendor"], "availableHoursPerDay": 30.0}},
        "input.availableHoursPerDay",
        "input.availableHoursPerDay must be above 0 to 24, got 30.0",
    ),
    Case(
        "advanceVendorStatus",
        "input: AdvanceVendorStatusInput!",
        lambda ids: {"input": {"vendorId": ids["vendor"], "toStatus": "OFFBOARDED", "trialQuality": 1.5}},
        "input.trialQuality",
        "input.trialQuality must be a share between 0 and 1, got 1.5",
    ),
    Case(
        "archiveVendor",
        "id: ID!",
        lambda ids: {"id": ids["project"]},
        "id",
        "id must be the id of a Vendor, got {project!r}",
    ),
    Case(
        "createLabeler",
        "input: CreateLabelerInput!",
        lambda ids: {"input": {"vendorId": ids["vendor"], "name": "Ana", "skills": ["bbox", ""]}},
        "input.skills[1]",
        "input.skills[1] must not be empty, got ''",
    ),
    Case(
        "updateLabeler",
        "input: UpdateLabelerInput!",
        lambda ids: {"input": {"id": ids["labeler"], "timeZone": "Mars/Olympus"}},
        "input.timeZone",
        "input.timeZone must be an IANA time zone name such as Europe/Berlin, got 'Mars/Olympus'",
    ),
    Case(
        "createProject",
        "input: CreateProjectInput!",
        lambda ids: {"input": {"name": "P", "dataType": "IMAGE", "slaTargetShare": 1.5}},
        "input.slaTargetShare",
        "input.slaTargetShare must be between 0 and 1, got 1.5",
    ),
    Case(
        "updateProject",
        "input: UpdateProjectInput!",
        lambda ids: {"input": {"id": ids["project"], "ontology": {"fields": [{"name": "car_kind", "kind": "x"}]}}},
        "input.ontology.fields[0].kind",
        "input.ontology.fields[0].kind must be one of choice, multi_choice, boolean, text, got 'x'",
    ),
    Case(
        "createTasks",
        "input: CreateTasksInput!",
        lambda ids: {
            "input": {
                "projectId": ids["project"],
                "tasks": [{"externalId": "a"}, {"externalId": "b", "labelsRequired": 0}],
            }
        },
        "input.tasks[1].labelsRequired",
        "input.tasks[1].labelsRequired must be >= 1, got 0",
    ),
    Case(
        "createTask",
        "input: CreateTaskInput!",
        lambda ids: {"input": {"projectId": ids["project"], "task": {"externalId": "c", "labelsRequired": 0}}},
        "input.task.labelsRequired",
        "input.task.labelsRequired must be >= 1, got 0",
    ),
    Case(
        "unmarkBenchmark",
        "taskId: ID!",
        lambda ids: {"taskId": ids["vendor"]},
        "taskId",
        "taskId must be the id of a Task, got {vendor!r}",
    ),
    Case(
        "submitLabel",
        "input: SubmitLabelInput!",
        lambda ids: {
            "input": {
                "taskId": ids["task"],
                "labelerId": ids["labeler"],
                "answer": {"class": "car"},
                "startedAt": _HOUR_AGO,
                "submittedAt": _HOUR_AGO,
                "secondsToLabel": -1.0,
            }
        },
        "input.secondsToLabel",
        "input.secondsToLabel must be a finite number >= 0, got -1.0",
    ),
    Case(
        "addCommunicationChannel",
        "input: AddCommunicationChannelInput!",
        lambda ids: {"input": {"vendorId": ids["vendor"], "kind": "CHAT", "link": "ftp://files.example"}},
        "input.link",
        "input.link must be an http, https or mailto address (or empty), got 'ftp://files.example'",
    ),
    Case(
        "saveScenario",
        "input: SaveScenarioInput!",
        lambda ids: {"input": {"name": "s", "document": {"workforce": [{"name": "Night shift", "hourly_rate": -3}]}}},
        "input.document.workforce[Night shift].hourly_rate",
        "input.document.workforce[Night shift].hourly_rate must be >= 0, got -3",
    ),
    Case(
        "saveScenario",
        "input: SaveScenarioInput!",
        lambda ids: {"input": {"name": "s", "document": {"demand": {"model": "no_such_model"}}}},
        "input.document.demand.model",
        "demand.model: no demand plugin named 'no_such_model' is installed (installed: pattern, trace)",
    ),
    Case(
        "runSimulation",
        "input: RunSimulationInput!",
        lambda ids: {"input": {"scenarioId": ids["scenario"], "replications": 0}},
        "input.replications",
        "input.replications must be between 1 and 5000, got 0",
    ),
    Case(
        "setDeliveryPlan",
        "input: SetDeliveryPlanInput!",
        lambda ids: {
            "input": {
                "projectId": ids["project"],
                "milestones": [
                    {"name": "a", "dueAt": _LATER, "targetShare": 0.5},
                    {"name": "b", "dueAt": _LATER, "targetShare": 1.5},
                ],
            }
        },
        "input.milestones[1].targetShare",
        "input.milestones[1].targetShare must be within (0, 1], got 1.5",
    ),
    Case(
        "createAlertRule",
        "input: CreateAlertRuleInput!",
        lambda ids: {
            "input": {
                "projectId": ids["project"],
                "name": "flagged",
                "kind": "LABELER_FLAGGED",
                "webhookUrl": "https://example.com/hook",
                "profiles": ["SLEEPY"],
            }
        },
        "input.profiles[0]",
        "input.profiles[0] must be one of {profiles}, got 'SLEEPY'",
    ),
    Case(
        "createConnector",
        "input: CreateConnectorInput!",
        lambda ids: {"input": {"name": "ls", "source": "LABELSTUDIO", "projectId": ids["project"], "secret": "x"}},
        "input.secret",
        "input.secret must be {secret}, got '(hidden)'",
    ),
    Case(
        "publishGuidelineVersion",
        "input: PublishGuidelineVersionInput!",
        lambda ids: {"input": {"projectId": ids["project"], "changeNote": "examples", "examples": [{"input": "x"}]}},
        "input.examples[0].answer",
        "input.examples[0].answer is required: the right answer for the input, got None",
    ),
    Case(
        "slaFeasibility",
        "input: SlaFeasibilityInput!",
        lambda ids: {"input": {"offer": {"hourlyRate": 10.0, "timeToHireDays": -1.0}, "offerMode": "REPLACE"}},
        "input.offer.timeToHireDays",
        "input.offer.timeToHireDays must be >= 0, got -1.0",
        kind="query",
    ),
    Case(
        "compareScenarios",
        "input: CompareScenariosInput!",
        lambda ids: {"input": {"variants": [{"name": "a", "demandMultiplier": 1.5}, {"name": "b", "pool": "night"}]}},
        "input.variants[1].pool",
        "input.variants[1].pool must name a workforce pool (default), got 'night'",
        kind="query",
    ),
]


async def _ids(database: Database) -> Ids:
    workspace: Workspace = await build_workspace(database, labelers=1, tasks=1)
    saved = await mutate_ok(
        database,
        "mutation($input: SaveScenarioInput!) { saveScenario(input: $input) {"
        " __typename ... on ScenarioPayload { scenario { id } } } }",
        {"input": {"name": "base", "document": {}}},
        "saveScenario",
    )
    return {
        "vendor": workspace.vendor,
        "project": workspace.project,
        "labeler": workspace.labelers[0],
        "task": workspace.tasks[0],
        "scenario": str(saved["scenario"]["id"]),
    }


def _expected_message(case: Case, ids: Ids) -> str:
    from server.connectors.registry import _MAX_SECRET, _MIN_SECRET
    from server.services.analytics.profiles import PROFILES

    return case.message.format(
        project=ids["project"],
        vendor=ids["vendor"],
        profiles=", ".join(PROFILES),
        secret=f"{_MIN_SECRET} to {_MAX_SECRET} printable characters without surrounding spaces",
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.operation}:{case.field}")
async def test_a_bad_nested_value_is_named_by_its_client_path_and_value(database: Database, case: Case) -> None:
    # given a workspace with one record of each kind
    ids = await _ids(database)
    # when the operation is sent a bad value deep in its argument
    answer = (await expect_data(database, case.document(), case.variables(ids)))[case.operation]
    # then the typed error names the field as the client spelled it, and its message names field and value
    assert answer["__typename"].endswith("Error"), answer
    assert answer["field"] == case.field
    assert answer["message"] == _expected_message(case, ids)


def test_every_mutation_family_is_in_the_table() -> None:
    families = {case.operation for case in CASES}
    assert {
        "createVendor",
        "updateVendor",
        "createLabeler",
        "updateLabeler",
        "createProject",
        "updateProject",
        "createTasks",
        "createTask",
        "saveScenario",
        "runSimulation",
        "setDeliveryPlan",
        "createAlertRule",
        "addCommunicationChannel",
        "createConnector",
        "publishGuidelineVersion",
        "submitLabel",
    } <= families
