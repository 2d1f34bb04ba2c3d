"""GraphQL types of access control: users, API keys (never their secrets), audit entries, the viewer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self, cast

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.scalars import JSON

from server.db import access
from server.graphql.context import Info

__all__ = [
    "ApiKeyConnection",
    "ApiKeyNode",
    "AuditEntryConnection",
    "AuditEntryNode",
    "AuditOutcome",
    "Role",
    "UserConnection",
    "UserNode",
    "ViewerInfo",
]

Role = strawberry.enum(access.Role, description="What a user may do; see the README's permission matrix.")
AuditOutcome = strawberry.enum(
    access.AuditOutcome,
    description="OK: done; REFUSED: a typed error came back; DENIED: not permitted; ERROR: failed unexpectedly.",
)


def _gid(type_name: str, key: int | None) -> relay.GlobalID | None:
    return None if key is None else relay.GlobalID(type_name, str(key))


async def _resolve(info: Info, model: type[Any], node_ids: Iterable[str], to_node: Any, required: bool) -> list[Any]:
    ids = list(node_ids)
    keys = {int(node_id) for node_id in ids if node_id.isdigit()}
    async with info.context.read() as session:
        rows = {row.id: row for row in (await session.scalars(select(model).where(model.id.in_(keys)))).all()}
    nodes = [to_node(rows[int(node_id)]) if node_id.isdigit() and int(node_id) in rows else None for node_id in ids]
    if required and any(node is None for node in nodes):
        raise ValueError("no record for some of the ids")
    return nodes


@strawberry.type(name="User", description="A person or script using the API, with a role and the scope it covers.")
class UserNode(relay.Node):
    id: relay.NodeID[int]
    email: str
    name: str
    role: Role  # type: ignore[valid-type]
    active: bool
    vendor_id: relay.GlobalID | None = strawberry.field(description="Scope of a VENDOR_MANAGER.")
    labeler_id: relay.GlobalID | None = strawberry.field(
        description="Scope of a LABELER; the labeler a REVIEWER reviews as."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, row: access.User) -> Self:
        return cls(
            id=row.id,
            email=row.email,
            name=row.name,
            role=row.role,
            active=row.active,
            vendor_id=_gid("Vendor", row.vendor_id),
            labeler_id=_gid("Labeler", row.labeler_id),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Scope of a PROGRAM_MANAGER or REVIEWER.")
    async def project_ids(self, info: Info) -> list[relay.GlobalID]:
        statement = select(access.user_projects.c.project_id).where(access.user_projects.c.user_id == self.id)
        async with info.context.read() as session:
            keys = sorted((await session.scalars(statement)).all())
        return [relay.GlobalID("Project", str(key)) for key in keys]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await _resolve(info, access.User, node_ids, cls.from_model, required)


@strawberry.type(name="ApiKey", description="A bearer credential; its secret was shown once, at creation.")
class ApiKeyNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    prefix: str = strawberry.field(description="The public part of the key, to recognise it in lists.")
    user_id: relay.GlobalID
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = strawberry.field(description="Accurate to about a minute.")

    @classmethod
    def from_model(cls, row: access.ApiKey) -> Self:
        return cls(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            user_id=relay.GlobalID("User", str(row.user_id)),
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await _resolve(info, access.ApiKey, node_ids, cls.from_model, required)


@strawberry.type(name="AuditEntry", description="One mutation call: who, what, how it ended, when, from where.")
class AuditEntryNode(relay.Node):
    id: relay.NodeID[int]
    created_at: datetime
    user_id: relay.GlobalID | None
    api_key_id: relay.GlobalID | None
    operation: str = strawberry.field(description="The mutation field, e.g. `submitLabel`.")
    operation_name: str | None = strawberry.field(description="The client's name for the operation, if any.")
    arguments: JSON = strawberry.field(description="The mutation's arguments, secrets redacted.")
    outcome: AuditOutcome  # type: ignore[valid-type]
    result_type: str | None
    message: str
    ip: str | None

    @classmethod
    def from_model(cls, row: access.AuditEntry) -> Self:
        return cls(
            id=row.id,
            created_at=row.created_at,
            user_id=_gid("User", row.user_id),
            api_key_id=_gid("ApiKey", row.api_key_id),
            operation=row.operation,
            operation_name=row.operation_name,
            arguments=cast(JSON, row.arguments),
            outcome=row.outcome,
            result_type=row.result_type,
            message=row.message,
            ip=row.ip,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await _resolve(info, access.AuditEntry, node_ids, cls.from_model, required)


@strawberry.type(name="UserConnection")
class UserConnection(relay.Connection[UserNode]):
    total_count: int


@strawberry.type(name="ApiKeyConnection")
class ApiKeyConnection(relay.Connection[ApiKeyNode]):
    total_count: int


@strawberry.type(name="AuditEntryConnection")
class AuditEntryConnection(relay.Connection[AuditEntryNode]):
    total_count: int


async def _viewer_user(root: ViewerInfo, info: Info) -> UserNode | None:
    # Read only when asked: `{ viewer { role } }` is answered from the authenticated viewer alone.
    if root.user_id is None:
        return None
    async with info.context.read() as session:
        row = await session.get(access.User, root.user_id)
    return UserNode.from_model(row) if row is not None else None


@strawberry.type(name="Viewer", description="Who the request runs as.")
class ViewerInfo:
    user: UserNode | None = strawberry.field(
        resolver=_viewer_user, description="Null for in-process callers and when auth is off."
    )
    role: Role | None  # type: ignore[valid-type]
    project_ids: list[relay.GlobalID]
    vendor_id: relay.GlobalID | None
    labeler_id: relay.GlobalID | None
    user_id: strawberry.Private[int | None]
