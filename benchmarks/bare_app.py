"""The reference for `api_speed`: Strawberry + Starlette served by uvicorn, the same response shapes from memory.

No database, no authentication, no limits: what a GraphQL request costs in this stack before any work is done.
Served with `uvicorn benchmarks.bare_app:create_app --factory` (Strawberry's defaults: every request parsed and
validated) and `benchmarks.bare_app:create_cached_app` (with Strawberry's ParserCache and ValidationCache, as
LabelOps runs: the tighter reference).
"""

from __future__ import annotations

import base64
import enum

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

__all__ = ["create_app", "create_cached_app", "schema"]


@strawberry.enum
class Role(enum.Enum):
    ADMIN = "ADMIN"


@strawberry.enum
class Status(enum.Enum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"


@strawberry.type
class Viewer:
    role: Role


@strawberry.type
class Label:
    id: str
    status: Status


@strawberry.type
class Task:
    id: str
    status: Status
    labels: list[Label]


@strawberry.type
class TaskEdge:
    node: Task
    cursor: str


@strawberry.type
class TaskConnection:
    total_count: int
    edges: list[TaskEdge]


def _gid(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode()


_TASKS = [
    Task(
        id=_gid("Task", number),
        status=Status.ACCEPTED,
        labels=[Label(id=_gid("Label", number * 3 + index), status=Status.SUBMITTED) for index in range(2)],
    )
    for number in range(1, 101)
]


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> Viewer:
        return Viewer(role=Role.ADMIN)

    @strawberry.field
    def tasks(self, first: int = 20) -> TaskConnection:
        edges = [TaskEdge(node=task, cursor=_gid("offset", index)) for index, task in enumerate(_TASKS[:first])]
        return TaskConnection(total_count=42_365, edges=edges)


schema = strawberry.Schema(query=Query)
cached_schema = strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache])


def _app(served: strawberry.Schema) -> Starlette:
    graphql = GraphQL[None, None](served, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])


def create_app() -> Starlette:
    return _app(schema)


def create_cached_app() -> Starlette:
    return _app(cached_schema)
