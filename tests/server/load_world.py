"""A workspace for concurrency tests and the load benchmark: one project reviewing every label, labelers,
reviewers and tasks, plus an admin key; and the client operations that drive the labeling workflow over HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from server.auth.users import ensure_admin_key
from server.db import Base, Database
from server.db import models as m
from server.db.enums import DataType, LabelerStage, PricingModel, ProjectStatus, VendorStatus, WorkforceType
from server.services.workflow import find_inconsistent_tasks

__all__ = ["JsonPoster", "LoadWorld", "Outcomes", "check_invariants", "prepare_load_world", "work_on_task"]

SUBMIT = """
mutation($input: SubmitLabelInput!) {
  submitLabel(input: $input) { __typename ... on LabelPayload { label { id } } ... on UserError { message } }
}
"""
REVIEW = """
mutation($input: ReviewLabelInput!) {
  reviewLabel(input: $input) { __typename ... on ReviewPayload { review { id } } ... on UserError { message } }
}
"""
REWORK = """
mutation($input: ReworkLabelInput!) {
  reworkLabel(input: $input) { __typename ... on LabelPayload { label { id } } ... on UserError { message } }
}
"""


class JsonPoster(Protocol):
    """A client bound to the GraphQL endpoint and its credentials (the load benchmark's cheap raw-socket client)."""

    async def post_json(self, payload: dict[str, Any]) -> tuple[int, Any]: ...


def _gid(type_name: str, key: int) -> str:
    return str(GlobalID(type_name, str(key)))


@dataclass
class LoadWorld:
    token: str
    labelers: list[str]
    reviewers: list[str]
    tasks: list[str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Outcomes:
    """What the clients were told succeeded (ids as returned), and how many calls each kind of answer got."""

    labels: set[str] = field(default_factory=set)
    reviews: set[str] = field(default_factory=set)
    answers: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.answers[kind] = self.answers.get(kind, 0) + 1


def prepare_load_world(url: str, *, labelers: int = 10, reviewers: int = 5, tasks: int = 75) -> LoadWorld:
    async def prepare() -> LoadWorld:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
                await connection.run_sync(Base.metadata.create_all)
            async with database.transaction() as session:
                vendor = m.Vendor(
                    name="Load vendor",
                    workforce_type=WorkforceType.CROWD,
                    pricing_model=PricingModel.PER_LABEL,
                    rate=0.1,
                    status=VendorStatus.ONBOARDED,
                )
                project = m.Project(
                    name="Load project", data_type=DataType.TEXT, status=ProjectStatus.ACTIVE, review_share=1.0
                )
                project.vendors = [vendor]
                session.add_all([vendor, project])
                await session.flush()
                people = [
                    m.Labeler(vendor_id=vendor.id, name=f"person-{index}", stage=LabelerStage.PRODUCTION)
                    for index in range(labelers + reviewers)
                ]
                session.add_all(people)
                await session.flush()
                session.add_all(m.ProjectMembership(project_id=project.id, labeler_id=person.id) for person in people)
                created = datetime.now(UTC) - timedelta(days=1)
                rows = [
                    m.Task(project_id=project.id, external_id=f"task-{index}", created_at=created)
                    for index in range(tasks)
                ]
                session.add_all(rows)
                await session.flush()
                token = (await ensure_admin_key(session, email="load@example.com")).token
                return LoadWorld(
                    token=token,
                    labelers=[_gid("Labeler", person.id) for person in people[:labelers]],
                    reviewers=[_gid("Labeler", person.id) for person in people[labelers:]],
                    tasks=[_gid("Task", row.id) for row in rows],
                )
        finally:
            await database.dispose()

    return asyncio.run(prepare())


async def _post(client: httpx.AsyncClient | JsonPoster, world: LoadWorld, payload: dict[str, Any]) -> tuple[int, Any]:
    if isinstance(client, httpx.AsyncClient):
        response = await client.post("/graphql", json=payload, headers=world.headers)
        return response.status_code, response.json() if response.status_code == 200 else None
    return await client.post_json(payload)


async def _call(
    client: httpx.AsyncClient | JsonPoster, world: LoadWorld, outcomes: Outcomes, query: str, **input: Any
) -> Any:
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, body = await _post(client, world, {"query": query, "variables": {"input": input}})
    outcomes.latencies.append(loop.time() - started)
    if status != 200 or body is None:
        outcomes.count(f"http {status}")
        return None
    if body.get("errors"):
        outcomes.count("graphql error")
        return None
    payload = next(iter(body["data"].values()))
    outcomes.count(payload["__typename"])
    if "message" in payload:
        outcomes.messages.append(payload["message"])
    return payload


async def work_on_task(
    client: httpx.AsyncClient | JsonPoster,
    world: LoadWorld,
    outcomes: Outcomes,
    task: str,
    labeler: str,
    reviewer: str,
    reject: bool,
) -> None:
    """Submit a label, review it (a rejection is reworked and reviewed again); record what was acknowledged."""
    now = datetime.now(UTC)
    submitted = await _call(
        client,
        world,
        outcomes,
        SUBMIT,
        taskId=task,
        labelerId=labeler,
        answer={"class": "cat"},
        startedAt=(now - timedelta(seconds=30)).isoformat(),
        submittedAt=now.isoformat(),
    )
    if submitted is None or submitted["__typename"] != "LabelPayload":
        return
    label = submitted["label"]["id"]
    outcomes.labels.add(label)
    verdicts = ["THUMBS_DOWN", "THUMBS_UP"] if reject else ["THUMBS_UP"]
    for verdict in verdicts:
        review = await _call(
            client,
            world,
            outcomes,
            REVIEW,
            labelId=label,
            reviewerId=reviewer,
            verdict=verdict,
            secondsToReview=4.0,
            comment="" if verdict == "THUMBS_UP" else "wrong class",
        )
        if review is None or review["__typename"] != "ReviewPayload":
            return
        outcomes.reviews.add(review["review"]["id"])
        if verdict == "THUMBS_DOWN":
            reworked = await _call(
                client,
                world,
                outcomes,
                REWORK,
                labelId=label,
                labelerId=labeler,
                answer={"class": "dog"},
                reworkSeconds=9.0,
            )
            if reworked is None or reworked["__typename"] != "LabelPayload":
                return


def check_invariants(url: str, outcomes: Outcomes) -> dict[str, Any]:
    """Every acknowledged write is stored, and every task's status agrees with its labels and reviews."""

    async def read() -> dict[str, Any]:
        database = Database(url)
        try:
            async with database.session() as session:
                label_ids = {_gid("Label", key) for key in (await session.scalars(select(m.Label.id))).all()}
                review_ids = {_gid("Review", key) for key in (await session.scalars(select(m.Review.id))).all()}
                per_task = (
                    await session.execute(select(m.Label.task_id, func.count()).group_by(m.Label.task_id))
                ).all()
                inconsistent = await find_inconsistent_tasks(session)
            return {
                "missing_labels": outcomes.labels - label_ids,
                "missing_reviews": outcomes.reviews - review_ids,
                "overfull_tasks": [task for task, count in per_task if count > 1],
                "inconsistent_tasks": inconsistent,
                "labels": len(label_ids),
                "reviews": len(review_ids),
            }
        finally:
            await database.dispose()

    return asyncio.run(read())
