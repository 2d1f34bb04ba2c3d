"""Permissions: which role may call which mutation on which records, and the field-level price rule.

Reads are scoped row by row (`server.auth.scoping`); writes are checked before they run by `MutationPolicy`,
attached to every mutation field by `protect_mutations` when the schema is built:
1. the caller's role must be listed for the mutation in `MUTATION_ROLES` (a mutation missing there is ADMIN-only,
   so a new mutation is closed until someone decides who may call it);
2. every record the arguments name by global id must be in the caller's write scope (`scoping.writable`: what
   they see, narrowed to what they own: a PROGRAM_MANAGER cannot create a task in someone else's project, a
   VENDOR_MANAGER cannot rename, price or act as another vendor's labeler it sees as a reviewer);
3. a REVIEWER or LABELER linked to a labeler record acts only as that labeler (every Labeler id in the
   arguments must be theirs).
"""

from __future__ import annotations

import dataclasses
import enum
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.relay import GlobalID
from strawberry.types.base import get_object_definition

from server.auth.identity import SYSTEM, Viewer
from server.auth.scoping import priced_vendor_ids, writable
from server.db import models
from server.db.access import ApiKey, AuditEntry, Role, User
from server.db.planning import SimulationRun, StoredScenario
from server.services.errors import NotFound

__all__ = [
    "MUTATION_ROLES",
    "NODE_MODELS",
    "CanPlan",
    "CanSeeGoldAnswers",
    "CanSeeLabelerRate",
    "CanSeeVendorPrices",
    "IsAdmin",
    "MutationPolicy",
    "mutation_refusal",
    "protect_gold_answers",
    "protect_mutations",
    "protect_prices",
    "require_project_scope",
    "viewer_of",
]

_ALL = frozenset(Role)
_ADMIN = frozenset({Role.ADMIN})
_MANAGERS = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER})
_VENDOR_SIDE = frozenset({Role.ADMIN, Role.VENDOR_MANAGER})
_REVIEWERS = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER, Role.REVIEWER})
_LABELING = frozenset({Role.ADMIN, Role.LABELER})
_ISSUE_RESOLVERS = frozenset({Role.ADMIN, Role.PROGRAM_MANAGER, Role.REVIEWER})

# GraphQL mutation name -> roles that may call it. Records named in the arguments must also be in the caller's
# scope, so "PROGRAM_MANAGER may updateProject" means "their own projects".
MUTATION_ROLES: dict[str, frozenset[Role]] = {
    # Vendors: the client's decisions (pricing, pipeline status).
    "createVendor": _ADMIN,
    "updateVendor": _ADMIN,
    "archiveVendor": _ADMIN,
    "advanceVendorStatus": _ADMIN,
    # Projects: admins create them and assign vendors; program managers run their own.
    "createProject": _ADMIN,
    "updateProject": _MANAGERS,
    "archiveProject": _ADMIN,
    "assignProjectVendors": _ADMIN,
    "unassignProjectVendors": _ADMIN,
    "assignProjectLabelers": _MANAGERS,
    "unassignProjectLabelers": _MANAGERS,
    # Labelers: their vendor hires, trains and offboards them.
    "createLabeler": _VENDOR_SIDE,
    "updateLabeler": _VENDOR_SIDE,
    "archiveLabeler": _VENDOR_SIDE,
    "advanceLabelerStage": _VENDOR_SIDE,
    "offboardLabeler": _VENDOR_SIDE,
    # Tasks and benchmarks: the program's side.
    "createTask": _MANAGERS,
    "createTasks": _MANAGERS,
    "updateTask": _MANAGERS,
    "archiveTask": _MANAGERS,
    "markBenchmark": _MANAGERS,
    "unmarkBenchmark": _MANAGERS,
    # The labeling workflow.
    "submitLabel": _LABELING,
    "reworkLabel": _LABELING,
    "reviewLabel": _REVIEWERS,
    # Issues: anyone may raise and discuss them in their scope; the program side resolves them.
    "raiseIssue": _ALL,
    "commentOnIssue": _ALL,
    "resolveIssue": _ISSUE_RESOLVERS,
    "reopenIssue": _ISSUE_RESOLVERS,
    "updateIssue": _ISSUE_RESOLVERS,
    "updateComment": _ISSUE_RESOLVERS,
    # Planning: scenarios and simulation runs.
    "saveScenario": _MANAGERS,
    "runSimulation": _MANAGERS,
    "cancelRun": _MANAGERS,
    # Access: admins manage users; everyone manages their own keys.
    "createUser": _ADMIN,
    "updateUser": _ADMIN,
    "createApiKey": _ALL,
    "revokeApiKey": _ALL,
}

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
}

_FORBIDDEN = {"code": "FORBIDDEN"}


def viewer_of(info: Any) -> Viewer:
    """The request's viewer; contexts built in-process without one are the trusted system."""
    viewer = getattr(info.context, "viewer", None)
    return viewer if isinstance(viewer, Viewer) else SYSTEM


class IsAdmin(BasePermission):
    """Admins only (user management, the audit log)."""

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
        return viewer_of(info).role in _MANAGERS


def require_project_scope(info: Any, project_id: int, *, field: str = "projectId") -> None:
    """Refuse a project outside a non-admin's assigned projects, as if it did not exist (no leak of ids)."""
    viewer = viewer_of(info)
    if not viewer.is_admin and project_id not in viewer.project_ids:
        raise NotFound("Project", project_id, field=field)


class MutationPolicy(BasePermission):
    """Role, scope and acting-as checks for one mutation call (see the module docstring)."""

    message = "not permitted"
    error_extensions = _FORBIDDEN

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        refusal = await mutation_refusal(info.context, info.field_name, kwargs)
        if refusal is not None:
            self.message = refusal
        return refusal is None


async def mutation_refusal(context: Any, name: str, arguments: Any) -> str | None:
    """Why the context's viewer may not call mutation `name` with these arguments; None when they may."""
    viewer = getattr(context, "viewer", None)
    viewer = viewer if isinstance(viewer, Viewer) else SYSTEM
    if viewer.is_admin:
        return None
    if viewer.role not in MUTATION_ROLES.get(name, _ADMIN):
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
    keys = {int(node_id) for node_id in node_ids if node_id.isdigit()}
    if model is None or len(keys) != len(node_ids):
        return node_ids
    statement = select(model.id).where(model.id.in_(keys))
    condition = writable(model, viewer)
    if condition is not None:
        statement = statement.where(condition)
    async with context.database.session() as session:
        seen = set((await session.scalars(statement)).all())
    return {str(key) for key in keys - seen}


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


_PRICE_FIELDS = ("rate", "pricing_model", "currency", "trial_results")


class CanSeeGoldAnswers(BasePermission):
    """A benchmark's gold answer stays with the program side; labelers (and their vendors) would learn the test."""

    message = "gold answers are outside your scope"
    error_extensions = _FORBIDDEN

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return viewer_of(info).role in _REVIEWERS


def _attach(field: Any, permission: BasePermission, *, fail_silently: bool = False) -> None:
    if any(isinstance(extension, PermissionExtension) for extension in field.extensions):
        return  # already attached: the schema may be built more than once per process
    field.permission_classes = [*field.permission_classes, type(permission)]
    field.extensions.append(PermissionExtension([permission], use_directives=False, fail_silently=fail_silently))


def protect_mutations(mutation_type: type) -> type:
    """Attach `MutationPolicy` to every field of the merged Mutation type (and the audit trail after it)."""
    from server.auth.audit import AuditTrail

    definition = get_object_definition(mutation_type, strict=True)
    for field in definition.fields:
        _attach(field, MutationPolicy())
        if not any(isinstance(extension, AuditTrail) for extension in field.extensions):
            field.extensions.append(AuditTrail())  # last is outermost: it also sees permission refusals
    return mutation_type


def protect_prices(vendor_type: type) -> type:
    """Attach `CanSeeVendorPrices` to the price fields of the Vendor type."""
    definition = get_object_definition(vendor_type, strict=True)
    for field in definition.fields:
        if field.python_name in _PRICE_FIELDS:
            _attach(field, CanSeeVendorPrices())
    return vendor_type


def protect_gold_answers(task_type: type) -> type:
    """Attach `CanSeeGoldAnswers` to the Task's gold answer: null (not an error) for those who may not see it."""
    for field in get_object_definition(task_type, strict=True).fields:
        if field.python_name == "gold_answer":
            _attach(field, CanSeeGoldAnswers(), fail_silently=True)
    return task_type
