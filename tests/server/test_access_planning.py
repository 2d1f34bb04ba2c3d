"""Planning computations: admins and program managers only, and history only of the caller's projects."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.db import Database
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.conftest import http_client
from tests.server.test_access_matrix import run

CALIBRATE = """
query($projectId: ID!) {
  calibrateScenario(projectId: $projectId) {
    __typename
    ... on NotFoundError { field }
  }
}
"""


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(database) as http:
        yield http


@pytest.mark.parametrize("role", ["vm", "reviewer", "labeler"])
async def test_given_a_role_outside_planning_when_calibrating_then_it_is_forbidden(
    client: httpx.AsyncClient, world: AccessWorld, role: str
) -> None:
    result = await run(client, world, role, CALIBRATE, projectId=world.gid("Project", "p1"))

    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_given_a_program_manager_when_calibrating_another_project_then_it_is_not_found(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    result = await run(client, world, "pm", CALIBRATE, projectId=world.gid("Project", "p2"))

    assert result["data"]["calibrateScenario"] == {"__typename": "NotFoundError", "field": "projectId"}


async def test_given_a_program_manager_when_calibrating_their_project_then_the_scope_check_passes(
    client: httpx.AsyncClient, world: AccessWorld
) -> None:
    result = await run(client, world, "pm", CALIBRATE, projectId=world.gid("Project", "p1"))

    # P1 is theirs: the request reaches calibration (two labels are too little history to fit, or it fits).
    assert "errors" not in result, result
    assert result["data"]["calibrateScenario"]["__typename"] in {"CalibrationResult", "ValidationError"}
