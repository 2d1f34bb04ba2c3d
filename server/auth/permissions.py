"""The access policy: the README's permission matrix as the rules fields and mutations declare.

Every rule is declared where its field or mutation is, naming one of the rules below:
- mutations with `@mutation(<write rule>)` instead of `@strawberry.mutation` (a schema with a mutation declared
  otherwise refuses to build: a mutation is closed until someone decides who may call it);
- guarded fields with `permission_classes=[...]` (or `extensions=[null_unless(...)]` when refused means null);
- arguments naming a project or vendor that typed answers must treat as "not found" with `require_*_scope`.
Rows are scoped for reads by `server.auth.scoping` (one SQL rule per table, applied to every read session of the
API by `scoped_reads`); a mutation's records must be in the caller's write scope (`scoping.writable`).

A write rule is the roles that may call a mutation; then, before it runs:
1. every record its arguments name by global id must be in the caller's write scope: what they see, narrowed to
   what they own (a PROGRAM_MANAGER cannot create a task in someone else's project, a VENDOR_MANAGER cannot
   rename, price or act as another vendor's labeler it sees as a reviewer);
2. a REVIEWER or LABELER linked to a labeler record acts only as that labeler.
A refusal is a FORBIDDEN error, and hidden and missing records get the same answer.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import select
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.relay import GlobalID
from strawberry.utils.str_converters import to_camel_case

from server.auth.audit import AuditTrail
from server.auth.identity import SYSTEM, Viewer
from server.auth.scoping import priced_vendor_ids, visibility, writable
from server.db import models
from server.db.access import ApiKey, AuditEntry, Role, User
from server.db.alerts import AlertRule
from server.db.connectors import Connector
from server.db.planning import SimulationRun, StoredScenario
from server.services.errors import NotFound, Path, ValidationFailed

__all__ = [
    "ADMINS",
    "EVERYONE",
    "LABELERS",
    "MUTATION_ROLES",
    "NODE_MODELS",
    "PROGRAM_MANAGERS",
    "PROGRAM_SIDE",
    "VENDOR_MANAGERS",
    "CanOrderByPrice",
    "CanPlan",
    "CanSeeGoldAnswers",
    "CanSeeLabelerRate",
    "CanSeeVendorPrices",
    "IsAdmin",
    "MayCall",
    "enforce",
    "mutation",
    "mutation_refusal",
    "null_unless",
    "require_metrics_scope",
    "require_project_scope",
    "viewer_of",
]

# Who may call a mutation, by the matrix's write rows (records named must also be in the caller's write scope, so
# "PROGRAM_MANAGERS may updateProject" means "their own projects"):
ADMINS = frozenset({Role.ADMIN})
"""Vendors (create, update, archive, status); projects (create, archive, assign vendors); users."""
PROGRAM_MANAGERS = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER})
"""Update their projects and assign labelers to them; tasks and benchmarks in them; scenarios and runs."""
VENDOR_MANAGERS = frozenset({Role.ADMIN, Role.VENDOR_MANAGER})
"""Their vendor's labelers: create, update, stage, offboard, archive."""
LABELERS = frozenset({Role.ADMIN, Role.LABELER})
"""Submit and rework labels, as themselves."""
PROGRAM_SIDE = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER, Role.REVIEWER})
"""Review labels in their projects; resolve, reopen and edit issues and comments there."""
EVERYONE = frozenset(Role)
"""Raise issues and comment in their scope; their own API keys."""

# GraphQL mutation name -> roles that may call it, as the mutations declare it (`mutation`).
MUTATION_ROLES: dict[str, frozenset[Role]] = {}

# Relay type name -> the model its global ids point at.
NODE_MODELS: dict[str, type[Any]] = {
    "Vendor": models.Vendor,
    "Project": models.Project,
    "Labeler": models.Labeler,
    "Task": models.Task,
    "Label": models.Label,
    "Review": models.Review,
    "Issue": models.Issue,
    "Comment": models.Comment,
    "User": User,
    "ApiKey": ApiKey,
    "AuditEntry": AuditEntry,
    "ScenarioVersion": StoredScenario,
    "SimulationRun": SimulationRun,
    "AlertRule": AlertRule,
    "Connector": Connector,
}

_FORBIDDEN = {"code": "FORBIDDEN"}


def viewer_of(info: Any) -> Viewer:
    """The request's viewer; contexts built in-process without one are the trusted system."""
    return _viewer(info.context)


def _viewer(context: Any) -> Viewer:
    viewer = getattr(context, "viewer", None)
    return viewer if isinstance(viewer, Viewer) else SYSTEM


# Mutations.


class MayCall(BasePermission):
    """The write rule of one mutation: its roles, then the write scope of every record its arguments name."""

    message = "not permitted"
    error_extensions = _FORBIDDEN

    def __init__(self, roles: frozenset[Role]) -> None:
        super().__init__()
        self.roles = roles

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        refusal = await mutation_refusal(info.context, info.field_name, kwargs, self.roles)
        if refusal is not None:
            # Raised here: the message is this call's own, and the instance is shared by every request.
            raise GraphQLError(refusal, extensions=_FORBIDDEN)
        return True


def mutation(roles: frozenset[Role], *, description: str | None = None) -> Callable[[Any], Any]:
    """`strawberry.mutation` with its write rule, checked before it runs, and the audit trail around both."""

    def declare(resolver: Any) -> Any:
        MUTATION_ROLES[to_camel_case(resolver.__name__)] = roles
        rule = enforce(MayCall(roles))
        # The audit trail comes last, so it is outermost: it records refusals as well as results.
        return strawberry.mutation(description=description, extensions=[rule, AuditTrail()])(resolver)

    return declare


async def mutation_refusal(context: Any, name: str, arguments: Any, roles: frozenset[Role] | None = None) -> str | None:
    """Why the context's viewer may not call mutation `name` with these arguments; None when they may.

    `roles` default to the mutation's declared ones (none declared: admins only).
    """
    viewer = _viewer(context)
    if viewer.is_admin:
        return None
    if viewer.role not in (roles if roles is not None else MUTATION_ROLES.get(name, ADMINS)):
        return f"role {viewer.role} may not call {name}"
    references: dict[str, set[str]] = defaultdict(set)
    for global_id in _global_ids(arguments):
        references[global_id.type_name].add(global_id.node_id)
    if viewer.role in (Role.REVIEWER, Role.LABELER) and viewer.labeler_id is not None:
        others = references.get("Labeler", set()) - {str(viewer.labeler_id)}
        if others:
            return f"you act as your own labeler only (not {sorted(others)})"
    for type_name, node_ids in references.items():
        outside = await _outside_scope(context, viewer, type_name, node_ids)
        if outside:
            # Hidden and missing records get the same answer, so scope does not leak which ids exist.
            return f"{type_name} {', '.join(sorted(outside))} is not in your scope"
    return None


async def _outside_scope(context: Any, viewer: Viewer, type_name: str, node_ids: set[str]) -> set[str]:
    model = NODE_MODELS.get(type_name)
    keys = {key for node_id in node_ids if (key := _row_id(node_id)) is not None}
    if model is None or len(keys) != len(node_ids):
        return node_ids
    statement = select(model.id).where(model.id.in_(keys))
    condition = writable(model, viewer)
    if condition is not None:
        statement = statement.where(condition)
    async with context.database.session() as session:
        seen = set((await session.scalars(statement)).all())
    return {str(key) for key in keys - seen}


_MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: a larger one names no row (and PostgreSQL refuses to compare)


def _row_id(node_id: str) -> int | None:
    """The row id a global id's node id names, or None when it can name none (not ASCII digits, out of range)."""
    if not (node_id.isascii() and node_id.isdigit()):
        return None
    key = int(node_id)
    return key if key <= _MAX_ROW_ID else None


def _global_ids(value: Any) -> Iterator[GlobalID]:
    """Every global id inside resolver arguments: inputs, lists and nested inputs alike."""
    if isinstance(value, GlobalID):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _global_ids(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _global_ids(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _global_ids(getattr(value, item.name, None))
    elif isinstance(value, str | int | float | bool | enum.Enum) or value is None:
        return


# Fields.


class IsAdmin(BasePermission):
    """Users and the audit log: admins only."""

    message = "only admins may do this"
    error_extensions = _FORBIDDEN

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return viewer_of(info).is_admin


class CanPlan(BasePermission):
    """Planning computations (feasibility, what-ifs, cheapest plans, calibration) run simulations on the server
    and read project history: admins and program managers only; history queries also check the project."""

    message = "only admins and program managers may run planning computations"
    error_extensions = _FORBIDDEN

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return viewer_of(info).role in PROGRAM_MANAGERS


class CanSeeVendorPrices(BasePermission):
    """A vendor's prices are the client's business with that vendor: admins, program managers of projects the
    vendor is assigned to, and the vendor's own manager see them; anyone else gets an error on the field."""

    message = "vendor prices are outside your scope"
    error_extensions = _FORBIDDEN

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        viewer = viewer_of(info)
        priced = priced_vendor_ids(viewer)
        if priced is None:
            return True
        cache: dict[str, frozenset[int]] = info.context.__dict__.setdefault("_priced_vendor_ids", {})
        if "ids" not in cache:
            async with info.context.database.session() as session:
                cache["ids"] = frozenset((await session.scalars(priced)).all())
        return self.vendor_of(source) in cache["ids"]

    @staticmethod
    def vendor_of(source: Any) -> int:
        return int(source.id)


class CanSeeLabelerRate(CanSeeVendorPrices):
    """A labeler's hourly rate is what its vendor bills: it follows the rule of the vendor's prices."""

    message = "this labeler's hourly rate is outside your scope"

    @staticmethod
    def vendor_of(source: Any) -> int:
        return int(source.vendor_id)


class CanOrderByPrice(BasePermission):
    """Ordering a list by price tells how prices compare: it is allowed where the viewer sees the price of every
    record the list may hold (its visible rows, narrowed by a vendor filter where the list has one)."""

    message = "ordering by price covers records whose prices are outside your scope"
    error_extensions = _FORBIDDEN

    def __init__(self, model: type[models.Vendor] | type[models.Labeler], price_field: str) -> None:
        super().__init__()
        self.model = model
        self.price_field = price_field

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        order = kwargs.get("order_by")
        viewer = viewer_of(info)
        priced = priced_vendor_ids(viewer)
        if order is None or order.field.value != self.price_field or priced is None:
            return True
        vendor = models.Vendor.id if self.model is models.Vendor else models.Labeler.vendor_id
        unpriced = select(self.model.id).where(vendor.not_in(priced)).limit(1)
        condition = visibility(self.model, viewer)
        if condition is not None:
            unpriced = unpriced.where(condition)
        vendor_filter = getattr(kwargs.get("filter"), "vendor_id", None)
        if isinstance(vendor_filter, GlobalID):
            key = _row_id(vendor_filter.node_id)
            if vendor_filter.type_name != "Vendor" or key is None:
                return True  # the resolver refuses the filter itself
            unpriced = unpriced.where(vendor == key)
        async with info.context.database.session() as session:
            return await session.scalar(unpriced) is None


class CanSeeGoldAnswers(BasePermission):
    """A benchmark's gold answer stays with the program side; labelers (and their vendors) would learn the test."""

    message = "gold answers are outside your scope"
    error_extensions = _FORBIDDEN

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return viewer_of(info).role in PROGRAM_SIDE


def enforce(permission: BasePermission) -> PermissionExtension:
    """A field extension refusing (FORBIDDEN) what a configured `permission` instance refuses."""
    return PermissionExtension([permission], use_directives=False)


def null_unless(permission: BasePermission) -> PermissionExtension:
    """A field extension answering null (not an error) to those `permission` refuses."""
    return PermissionExtension([permission], use_directives=False, fail_silently=True)


# Arguments answered with typed "not found" results rather than errors.


def require_project_scope(info: Any, project_id: int, *, field: Path = ("project_id",)) -> None:
    """Refuse a project outside a non-admin's assigned projects, as if it did not exist (no leak of ids)."""
    viewer = viewer_of(info)
    if not viewer.is_admin and project_id not in viewer.project_ids:
        raise NotFound("Project", project_id, path=field)


def require_metrics_scope(info: Any, *, project_id: int | None, vendor_id: int | None, dashboard: bool) -> None:
    """Operations metrics: admins; program managers of the project; vendor managers of their vendor (metrics
    only, not the project dashboard). Anything else is "not found" (or asks for a project of the caller's)."""
    viewer = viewer_of(info)
    if viewer.is_admin:
        return
    if viewer.role is Role.PROGRAM_MANAGER and project_id is not None and project_id in viewer.project_ids:
        return
    if viewer.role is Role.VENDOR_MANAGER and not dashboard and vendor_id is not None:
        if vendor_id == viewer.vendor_id:
            return
        raise NotFound("Vendor", vendor_id, path=("vendor_id",))
    if project_id is not None:
        raise NotFound("Project", project_id, path=("project_id",))
    raise ValidationFailed(("project_id",), None, "must name one of your projects (or vendorId your vendor)")
