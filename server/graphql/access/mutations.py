"""Access mutations: users (admins), API keys (the secret is returned once, by `createApiKey`), revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth import users
from server.auth.keys import issue_key, revoke_key
from server.auth.permissions import ADMINS, EVERYONE, mutation, viewer_of
from server.db import access
from server.db.types import utcnow
from server.graphql.access.types import ApiKeyNode, Role, UserNode
from server.graphql.context import Info
from server.graphql.errors import ARGUMENTS, MutationError, mutate
from server.graphql.ids import decode_id, decode_ids
from server.services.crud.checks import check_aware
from server.services.errors import NotFound, ValidationFailed

__all__ = ["AccessMutations"]


@strawberry.input(
    description="The scope must fit the role: projects for PROGRAM_MANAGER and REVIEWER, a vendor for "
    "VENDOR_MANAGER, a labeler for LABELER (optional for REVIEWER)."
)
class CreateUserInput:
    email: str
    role: Role  # type: ignore[valid-type]
    name: str = ""
    project_ids: list[relay.GlobalID] = strawberry.field(default_factory=list)
    vendor_id: relay.GlobalID | None = None
    labeler_id: relay.GlobalID | None = None


@strawberry.input(description="Fields left out stay as they are; a new role or scope replaces the whole scope.")
class UpdateUserInput:
    id: relay.GlobalID
    name: str | None = None
    role: Role | None = None  # type: ignore[valid-type]
    project_ids: list[relay.GlobalID] | None = None
    vendor_id: relay.GlobalID | None = None
    labeler_id: relay.GlobalID | None = None
    active: bool | None = strawberry.field(default=None, description="false: the user's keys stop working.")


@strawberry.input
class CreateApiKeyInput:
    user_id: relay.GlobalID | None = strawberry.field(default=None, description="Default: yourself.")
    name: str = ""
    expires_at: datetime | None = None


@strawberry.type
class UserPayload:
    user: UserNode


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKeyNode


@strawberry.type(description="A new key. `secret` is shown this once: store it now, it cannot be read again.")
class CreatedApiKey:
    api_key: ApiKeyNode
    secret: str


UserResult = Annotated[UserPayload | MutationError, strawberry.union("UserResult")]
CreateApiKeyResult = Annotated[CreatedApiKey | MutationError, strawberry.union("CreateApiKeyResult")]
ApiKeyResult = Annotated[ApiKeyPayload | MutationError, strawberry.union("ApiKeyResult")]


def _scope(
    project_ids: list[relay.GlobalID] | None, vendor_id: relay.GlobalID | None, labeler_id: relay.GlobalID | None
) -> users.UserScope:
    return users.UserScope(
        project_ids=decode_ids(project_ids or [], "Project", ("project_ids",)),
        vendor_id=None if vendor_id is None else decode_id(vendor_id, "Vendor", ("vendor_id",)),
        labeler_id=None if labeler_id is None else decode_id(labeler_id, "Labeler", ("labeler_id",)),
    )


@strawberry.type
class AccessMutations:
    @mutation(ADMINS, description="Add a user (admins only); give them a key with `createApiKey`.")
    async def create_user(self, info: Info, input: CreateUserInput) -> UserResult:
        async def operation(session: AsyncSession) -> UserPayload:
            scope = _scope(input.project_ids, input.vendor_id, input.labeler_id)
            user = await users.create_user(session, email=input.email, name=input.name, role=input.role, scope=scope)
            return UserPayload(user=UserNode.from_model(user))

        return await mutate(info, operation)

    @mutation(ADMINS, description="Change a user's name, role, scope or active flag (admins only).")
    async def update_user(self, info: Info, input: UpdateUserInput) -> UserResult:
        async def operation(session: AsyncSession) -> UserPayload:
            rescoped = input.role is not None or any(
                value is not None for value in (input.project_ids, input.vendor_id, input.labeler_id)
            )
            user = await users.update_user(
                session,
                decode_id(input.id, "User", ("id",)),
                name=input.name,
                role=input.role,
                scope=_scope(input.project_ids, input.vendor_id, input.labeler_id) if rescoped else None,
                active=input.active,
            )
            return UserPayload(user=UserNode.from_model(user))

        return await mutate(info, operation)

    @mutation(EVERYONE, description="A new API key for yourself (or, for admins, anyone); the secret is shown once.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyResult:
        viewer = viewer_of(info)

        async def operation(session: AsyncSession) -> CreatedApiKey:
            if input.user_id is not None:
                user_key = decode_id(input.user_id, "User", ("user_id",))
            elif viewer.user_id is not None:
                user_key = viewer.user_id
            else:
                raise ValidationFailed(("user_id",), None, "is required when the caller is not a user")
            expires_at = None if input.expires_at is None else check_aware(("expires_at",), input.expires_at)
            if expires_at is not None and expires_at <= utcnow():
                raise ValidationFailed(("expires_at",), expires_at.isoformat(), "must be in the future")
            user = await session.get(access.User, user_key)
            if user is None:
                raise NotFound("User", user_key, path=("user_id",))
            issued = await issue_key(session, user, name=input.name.strip(), expires_at=expires_at)
            return CreatedApiKey(api_key=ApiKeyNode.from_model(issued.record), secret=issued.token)

        return await mutate(info, operation)

    @mutation(EVERYONE, description="Stop a key from working, from now on (your own, or any for admins).")
    async def revoke_api_key(self, info: Info, id: relay.GlobalID) -> ApiKeyResult:
        async def operation(session: AsyncSession) -> ApiKeyPayload:
            key_id = decode_id(id, "ApiKey", ("id",))
            key = await session.get(access.ApiKey, key_id)
            if key is None:
                raise NotFound("ApiKey", key_id)
            return ApiKeyPayload(api_key=ApiKeyNode.from_model(await revoke_key(session, key)))

        return await mutate(info, operation, root=ARGUMENTS)
