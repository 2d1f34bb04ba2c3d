"""Users: creating and updating them with a scope that fits their role, and the admin bootstrap.

None of these functions commits: the caller owns the transaction (as with the workflow services).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.keys import IssuedKey, issue_key, revoke_key
from server.db.access import ApiKey, Role, User, user_projects
from server.db.models import Labeler, Project, Vendor
from server.services.errors import Conflict, NotFound, ValidationFailed

__all__ = [
    "DEMO_ADMIN_EMAIL",
    "UserScope",
    "create_user",
    "ensure_admin_key",
    "ensure_demo_admin",
    "update_user",
    "user_project_ids",
]

DEMO_ADMIN_EMAIL = "admin@demo.labelops.local"
_DEMO_KEY_NAME = "demo"


@dataclass(frozen=True)
class UserScope:
    """The records a role covers; which parts are required depends on the role."""

    project_ids: Sequence[int] = ()
    vendor_id: int | None = None
    labeler_id: int | None = None


def _normal_email(email: str) -> str:
    text = email.strip().lower()
    if "@" not in text or len(text) > 320 or text.startswith("@") or text.endswith("@"):
        raise ValidationFailed(("email",), email, "must be an email address")
    return text


async def _check_scope(session: AsyncSession, role: Role, scope: UserScope) -> None:
    """Each role gets exactly the scope it uses, and the records named exist."""
    if role is Role.VENDOR_MANAGER and scope.vendor_id is None:
        raise ValidationFailed(("vendor_id",), None, "is required for a VENDOR_MANAGER")
    if role is Role.LABELER and scope.labeler_id is None:
        raise ValidationFailed(("labeler_id",), None, "is required for a LABELER")
    if scope.project_ids and role not in (Role.PROGRAM_MANAGER, Role.REVIEWER):
        raise ValidationFailed(
            ("project_ids",), list(scope.project_ids), f"applies to PROGRAM_MANAGER and REVIEWER, not {role}"
        )
    if scope.vendor_id is not None and role is not Role.VENDOR_MANAGER:
        raise ValidationFailed(("vendor_id",), scope.vendor_id, f"applies to VENDOR_MANAGER, not {role}")
    if scope.labeler_id is not None and role not in (Role.LABELER, Role.REVIEWER):
        raise ValidationFailed(("labeler_id",), scope.labeler_id, f"applies to LABELER and REVIEWER, not {role}")
    if scope.vendor_id is not None and await session.get(Vendor, scope.vendor_id) is None:
        raise NotFound("Vendor", scope.vendor_id, path=("vendor_id",))
    if scope.labeler_id is not None and await session.get(Labeler, scope.labeler_id) is None:
        raise NotFound("Labeler", scope.labeler_id, path=("labeler_id",))
    wanted = set(scope.project_ids)
    found = set((await session.scalars(select(Project.id).where(Project.id.in_(wanted)))).all()) if wanted else set()
    if missing := wanted - found:
        raise NotFound("Project", sorted(missing)[0], path=("project_ids",))


async def _set_projects(session: AsyncSession, user: User, project_ids: Sequence[int]) -> None:
    await session.execute(delete(user_projects).where(user_projects.c.user_id == user.id))
    if project_ids:
        rows = [{"user_id": user.id, "project_id": key} for key in dict.fromkeys(project_ids)]
        await session.execute(insert(user_projects), rows)


async def user_project_ids(session: AsyncSession, user_id: int) -> list[int]:
    statement = select(user_projects.c.project_id).where(user_projects.c.user_id == user_id)
    return sorted((await session.scalars(statement)).all())


async def create_user(
    session: AsyncSession, *, email: str, name: str = "", role: Role, scope: UserScope | None = None
) -> User:
    scope = scope or UserScope()
    email = _normal_email(email)
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email!r} exists already", path=("email",))
    await _check_scope(session, role, scope)
    user = User(
        email=email, name=name.strip(), role=role, vendor_id=scope.vendor_id, labeler_id=scope.labeler_id, active=True
    )
    session.add(user)
    await session.flush()
    await _set_projects(session, user, scope.project_ids)
    return user


async def update_user(
    session: AsyncSession,
    user_id: int,
    *,
    name: str | None = None,
    role: Role | None = None,
    scope: UserScope | None = None,
    active: bool | None = None,
) -> User:
    """Change a user; a new role needs its scope in the same call (the old scope is replaced whole)."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User", user_id)
    if role is not None or scope is not None:
        new_role = role or user.role
        new_scope = scope or UserScope(await user_project_ids(session, user.id), user.vendor_id, user.labeler_id)
        await _check_scope(session, new_role, new_scope)
        user.role = new_role
        user.vendor_id = new_scope.vendor_id
        user.labeler_id = new_scope.labeler_id
        await _set_projects(session, user, new_scope.project_ids)
    if name is not None:
        user.name = name.strip()
    if active is not None:
        user.active = active
    await session.flush()
    return user


async def ensure_admin_key(
    session: AsyncSession,
    *,
    email: str,
    name: str = "",
    key_name: str = "",
    replace: bool = False,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """An admin user with `email` (created when missing, reactivated and promoted otherwise) and a new key.

    With `replace`, the user's earlier keys of the same name are revoked first, so re-running the demo leaves
    one live demo key.
    """
    email = _normal_email(email)
    user = (await session.scalars(select(User).where(User.email == email))).one_or_none()
    if user is None:
        user = await create_user(session, email=email, name=name or "Administrator", role=Role.ADMIN)
    elif user.role is not Role.ADMIN or not user.active:
        await update_user(session, user.id, role=Role.ADMIN, scope=UserScope(), active=True)
    if replace:
        earlier = await session.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.name == key_name, ApiKey.revoked_at.is_(None))
        )
        for key in earlier.all():
            await revoke_key(session, key)
    return await issue_key(session, user, name=key_name, expires_at=expires_at)


async def ensure_demo_admin(session: AsyncSession) -> IssuedKey:
    """The demo workspace's admin and a fresh key for it (the previous demo key is revoked)."""
    return await ensure_admin_key(
        session, email=DEMO_ADMIN_EMAIL, name="Demo admin", key_name=_DEMO_KEY_NAME, replace=True
    )
