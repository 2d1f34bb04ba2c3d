"""Access queries: the viewer, users and API keys (admins see all, others themselves), the audit log (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from server.auth.permissions import IsAdmin, viewer_of
from server.db import access
from server.graphql.access.types import (
    ApiKeyConnection,
    ApiKeyNode,
    AuditEntryConnection,
    AuditEntryNode,
    AuditOutcome,
    Role,
    UserConnection,
    UserNode,
    ViewerInfo,
)
from server.graphql.context import Info
from server.graphql.errors import as_graphql_error
from server.graphql.ids import decode_id
from server.graphql.pagination import OrderDirection, PageArgs, list_connection, ordered
from server.services.crud.checks import check_aware
from server.services.errors import DomainError, Path

__all__ = ["AccessQueries", "AuditLogFilter", "UserFilter"]


@strawberry.input(description="Every given criterion must hold.")
class UserFilter:
    role: list[Role] | None = None  # type: ignore[valid-type]
    active: bool | None = None
    email_contains: str | None = None


@strawberry.input(description="Every given criterion must hold; times are inclusive bounds.")
class AuditLogFilter:
    user_id: relay.GlobalID | None = None
    operation: list[str] | None = strawberry.field(default=None, description="Mutation names, e.g. `submitLabel`.")
    outcome: list[AuditOutcome] | None = None  # type: ignore[valid-type]
    since: datetime | None = None
    until: datetime | None = None


def _key(value: relay.GlobalID, type_name: str, field: Path) -> int:
    try:
        return decode_id(value, type_name, field)
    except DomainError as error:
        raise as_graphql_error(error) from None


def _moment(value: datetime, field: Path) -> datetime:
    try:
        return check_aware(field, value)
    except DomainError as error:
        raise as_graphql_error(error) from None


@strawberry.type
class AccessQueries:
    @strawberry.field(description="Who this request runs as, and the scope of their role.")
    async def viewer(self, info: Info) -> ViewerInfo:
        viewer = viewer_of(info)
        return ViewerInfo(
            user_id=viewer.user_id,
            role=viewer.role,
            project_ids=[relay.GlobalID("Project", str(key)) for key in sorted(viewer.project_ids)],
            vendor_id=None if viewer.vendor_id is None else relay.GlobalID("Vendor", str(viewer.vendor_id)),
            labeler_id=None if viewer.labeler_id is None else relay.GlobalID("Labeler", str(viewer.labeler_id)),
        )

    @strawberry.field(description="Users, by email (admins only).", permission_classes=[IsAdmin])
    async def users(
        self,
        info: Info,
        filter: UserFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> UserConnection:
        statement = select(access.User)
        if filter is not None:
            if filter.role is not None:
                statement = statement.where(access.User.role.in_(filter.role))
            if filter.active is not None:
                statement = statement.where(access.User.active.is_(filter.active))
            if filter.email_contains:
                statement = statement.where(access.User.email.contains(filter.email_contains.lower(), autoescape=True))
        return await list_connection(
            info,
            statement,
            order_by=ordered(access.User.email, OrderDirection.ASC, access.User.id),
            args=PageArgs(first, after, last, before),
            to_node=UserNode.from_model,
            connection=UserConnection,
        )

    @strawberry.field(description="API keys, newest first: all of them for admins, your own for everyone else.")
    async def api_keys(
        self,
        info: Info,
        user_id: relay.GlobalID | None = None,
        include_revoked: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ApiKeyConnection:
        statement = select(access.ApiKey)
        if user_id is not None:
            statement = statement.where(access.ApiKey.user_id == _key(user_id, "User", ("user_id",)))
        if not include_revoked:
            statement = statement.where(access.ApiKey.revoked_at.is_(None))
        return await list_connection(
            info,
            statement,
            order_by=ordered(access.ApiKey.created_at, OrderDirection.DESC, access.ApiKey.id),
            args=PageArgs(first, after, last, before),
            to_node=ApiKeyNode.from_model,
            connection=ApiKeyConnection,
        )

    @strawberry.field(description="Every mutation call, newest first (admins only).", permission_classes=[IsAdmin])
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuditEntryConnection:
        entry = access.AuditEntry
        conditions: list[Any] = []
        if filter is not None:
            if filter.user_id is not None:
                conditions.append(entry.user_id == _key(filter.user_id, "User", ("filter", "user_id")))
            if filter.operation is not None:
                conditions.append(entry.operation.in_(filter.operation))
            if filter.outcome is not None:
                conditions.append(entry.outcome.in_(filter.outcome))
            if filter.since is not None:
                conditions.append(entry.created_at >= _moment(filter.since, ("filter", "since")))
            if filter.until is not None:
                conditions.append(entry.created_at <= _moment(filter.until, ("filter", "until")))
        return await list_connection(
            info,
            select(entry).where(*conditions),
            order_by=ordered(entry.created_at, OrderDirection.DESC, entry.id),
            args=PageArgs(first, after, last, before),
            to_node=AuditEntryNode.from_model,
            connection=AuditEntryConnection,
        )
