"""Row scoping: which records of each model a viewer may read, as SQL, applied to every read of the API.

One rule per model (`visibility`), written against the Core tables so that a rule's own subqueries are never
filtered again. `visible(statement, model, viewer)` applies one rule by hand; `scoped_reads(database, viewer)`
opens a session that applies all of them to every ORM SELECT it runs (each read session of the API, see
`Context.read`), through `with_loader_criteria`, so top-level connections, `node(id:)` lookups, DataLoaders and
nested connections are scoped by the same rules. Mutations run in their own sessions without a viewer: their
permission check happens before them, on `writable` (see `server.auth.permissions`).

Rules by role (P: the user's projects, V: their vendor, L: their labeler):
- PROGRAM_MANAGER and REVIEWER: projects P and their tasks, labels, reviews, issues, comments and memberships;
  labelers who are members of P or wrote or reviewed a label in P; vendors assigned to P or employing those
  labelers; planning records for PROGRAM_MANAGER only.
- VENDOR_MANAGER: vendor V; V's labelers and everything they did (labels, reviews of their labels, their stage
  history and memberships, issues they raised or that concern their labels); the projects V is assigned to or its
  labelers work on, and those projects' tasks; the reviewers of their labels and those reviewers' vendors.
- LABELER: labeler L, L's labels and the reviews of them, the reviewers of those, the projects L is a member of
  and their tasks, issues L raised or that concern L's labels; the vendors of those labelers.
- Alert rules, their events and deliveries: admins, and PROGRAM_MANAGERs of the rule's project (P).
- Guideline versions: whoever sees the project.
- Everyone: their own user record and API keys. The audit log is for admins only.
Vendors reached only through a labeler show no prices (see `server.auth.permissions.CanSeeVendorPrices`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, event, false, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from server.auth.identity import Viewer
from server.db import Database, models
from server.db.access import ApiKey, AuditEntry, Role, User
from server.db.alerts import AlertDelivery, AlertEvent, AlertRule
from server.db.guidelines import GuidelineVersion
from server.db.planning import SimulationRun, StoredScenario

__all__ = [
    "SCOPED_MODELS",
    "ScopedReadSession",
    "priced_vendor_ids",
    "scoped_reads",
    "visibility",
    "visible",
    "visible_labeler_ids",
    "visible_vendor_ids",
    "writable",
]

_Select = TypeVar("_Select", bound=Select[Any])

_vendors = models.Vendor.__table__
_projects = models.Project.__table__
_labelers = models.Labeler.__table__
_memberships = models.ProjectMembership.__table__
_tasks = models.Task.__table__
_labels = models.Label.__table__
_reviews = models.Review.__table__
_issues = models.Issue.__table__
_project_vendors = models.project_vendors


def _project_ids(viewer: Viewer) -> Select[Any]:
    """P (PROGRAM_MANAGER, REVIEWER) or the projects in reach of V or L."""
    if viewer.role in (Role.PROGRAM_MANAGER, Role.REVIEWER):
        return select(_projects.c.id).where(_projects.c.id.in_(sorted(viewer.project_ids)))
    if viewer.role is Role.VENDOR_MANAGER:
        own = _own_labeler_ids(viewer)
        return select(
            union(
                select(_project_vendors.c.project_id).where(_project_vendors.c.vendor_id == viewer.vendor_id),
                select(_memberships.c.project_id).where(_memberships.c.labeler_id.in_(own)),
                select(_tasks.c.project_id)
                .join(_labels, _labels.c.task_id == _tasks.c.id)
                .where(_labels.c.labeler_id.in_(own)),
            ).subquery()
        )
    if viewer.role is Role.LABELER:
        return select(_memberships.c.project_id).where(_memberships.c.labeler_id == viewer.labeler_id)
    return select(_projects.c.id).where(false())


def _own_labeler_ids(viewer: Viewer) -> Select[Any]:
    """The labelers whose work this viewer owns: V's labelers, or L alone."""
    if viewer.role is Role.VENDOR_MANAGER:
        return select(_labelers.c.id).where(_labelers.c.vendor_id == viewer.vendor_id)
    if viewer.role is Role.LABELER:
        return select(_labelers.c.id).where(_labelers.c.id == viewer.labeler_id)
    return select(_labelers.c.id).where(false())


def _task_ids(viewer: Viewer) -> Select[Any]:
    in_projects = select(_tasks.c.id).where(_tasks.c.project_id.in_(_project_ids(viewer)))
    if viewer.role in (Role.VENDOR_MANAGER, Role.LABELER):
        labeled = select(_labels.c.task_id).where(_labels.c.labeler_id.in_(_own_labeler_ids(viewer)))
        return select(union(in_projects, labeled).subquery())
    return in_projects


def _label_ids(viewer: Viewer) -> Select[Any]:
    if viewer.role in (Role.VENDOR_MANAGER, Role.LABELER):
        return select(_labels.c.id).where(_labels.c.labeler_id.in_(_own_labeler_ids(viewer)))
    return (
        select(_labels.c.id)
        .join(_tasks, _tasks.c.id == _labels.c.task_id)
        .where(_tasks.c.project_id.in_(_project_ids(viewer)))
    )


def visible_labeler_ids(viewer: Viewer) -> Select[Any]:
    """Labelers a viewer may see: their own or their projects' members, plus the authors and reviewers of the
    labels they see (so that `label.labeler` and `review.reviewer` always resolve)."""
    labels = _label_ids(viewer)
    parts: list[Select[Any]] = [
        select(_labels.c.labeler_id).where(_labels.c.id.in_(labels)),
        select(_reviews.c.reviewer_id).where(_reviews.c.label_id.in_(labels)),
    ]
    if viewer.role in (Role.PROGRAM_MANAGER, Role.REVIEWER):
        parts.append(select(_memberships.c.labeler_id).where(_memberships.c.project_id.in_(_project_ids(viewer))))
    else:
        parts.append(_own_labeler_ids(viewer))
    return select(union(*parts).subquery())


def priced_vendor_ids(viewer: Viewer) -> Select[Any] | None:
    """Vendors whose prices the viewer may see (None: all): P's assigned vendors, or V."""
    if viewer.is_admin:
        return None
    if viewer.role is Role.PROGRAM_MANAGER:
        return select(_project_vendors.c.vendor_id).where(_project_vendors.c.project_id.in_(sorted(viewer.project_ids)))
    if viewer.role is Role.VENDOR_MANAGER:
        return select(_vendors.c.id).where(_vendors.c.id == viewer.vendor_id)
    return select(_vendors.c.id).where(false())


def visible_vendor_ids(viewer: Viewer) -> Select[Any]:
    employers = select(_labelers.c.vendor_id).where(_labelers.c.id.in_(visible_labeler_ids(viewer)))
    priced = priced_vendor_ids(viewer)
    return employers if priced is None else select(union(employers, priced).subquery())


def _rules() -> dict[type[Any], Callable[[Viewer], ColumnElement[bool]]]:
    m = models
    return {
        m.Project: lambda v: m.Project.id.in_(_project_ids(v)),
        # Whoever sees a project reads its guidelines: labelers work by them.
        GuidelineVersion: lambda v: GuidelineVersion.project_id.in_(_project_ids(v)),
        m.Task: lambda v: m.Task.id.in_(_task_ids(v)),
        m.Label: lambda v: m.Label.id.in_(_label_ids(v)),
        m.Review: lambda v: m.Review.label_id.in_(_label_ids(v)),
        m.Labeler: lambda v: m.Labeler.id.in_(visible_labeler_ids(v)),
        m.LabelerStageEvent: lambda v: m.LabelerStageEvent.labeler_id.in_(visible_labeler_ids(v)),
        m.ProjectMembership: lambda v: (
            m.ProjectMembership.project_id.in_(_project_ids(v))
            if v.role in (Role.PROGRAM_MANAGER, Role.REVIEWER)
            else m.ProjectMembership.labeler_id.in_(_own_labeler_ids(v))
        ),
        m.Vendor: lambda v: m.Vendor.id.in_(visible_vendor_ids(v)),
        m.Issue: _issue_rule,
        m.Comment: lambda v: m.Comment.issue_id.in_(select(_issues.c.id).where(_issue_rule(v))),
        User: lambda v: User.id == v.user_id,
        ApiKey: lambda v: ApiKey.user_id == v.user_id,
        AuditEntry: lambda v: false(),
        StoredScenario: _planning_rule,
        SimulationRun: _planning_rule,
        AlertRule: lambda v: AlertRule.id.in_(_alert_rule_ids(v)),
        AlertEvent: lambda v: AlertEvent.rule_id.in_(_alert_rule_ids(v)),
        AlertDelivery: lambda v: AlertDelivery.rule_id.in_(_alert_rule_ids(v)),
    }


def _alert_rule_ids(viewer: Viewer) -> Select[Any]:
    """Rules of the PROGRAM_MANAGER's projects: alerts carry webhook addresses and project-wide metrics."""
    rules = AlertRule.__table__
    if viewer.role is not Role.PROGRAM_MANAGER:
        return select(rules.c.id).where(false())
    return select(rules.c.id).where(rules.c.project_id.in_(sorted(viewer.project_ids)))


def _issue_rule(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.role in (Role.VENDOR_MANAGER, Role.LABELER):
        own = _own_labeler_ids(viewer)
        return or_(_issues.c.raised_by_id.in_(own), _issues.c.label_id.in_(_label_ids(viewer)))
    return _issues.c.project_id.in_(_project_ids(viewer))


def _planning_rule(viewer: Viewer) -> ColumnElement[bool]:
    return ~false() if viewer.role is Role.PROGRAM_MANAGER else false()


_RULES = _rules()
SCOPED_MODELS: frozenset[type[Any]] = frozenset(_RULES)


def visibility(model: type[Any], viewer: Viewer) -> ColumnElement[bool] | None:
    """The condition a row of `model` must meet to be seen by `viewer`; None when nothing is hidden.

    A model without a rule is hidden from everyone but admins: new tables are private until given a rule.
    """
    if viewer.is_admin:
        return None
    if viewer.is_anonymous:
        return false()
    rule = _RULES.get(model)
    return rule(viewer) if rule is not None else false()


def writable(model: type[Any], viewer: Viewer) -> ColumnElement[bool] | None:
    """The condition a row of `model` named in a mutation's arguments must meet (None: any row).

    The write scope is the read scope, narrowed where seeing is not owning: a vendor manager sees the reviewers of
    its labelers' work and their vendors, but writes (and acts as) its own vendor's labelers only; a labeler acts
    as itself only.
    """
    if viewer.role in (Role.VENDOR_MANAGER, Role.LABELER):
        if model is models.Labeler:
            return models.Labeler.id.in_(_own_labeler_ids(viewer))
        if model is models.Vendor and viewer.role is Role.VENDOR_MANAGER:
            return models.Vendor.id == viewer.vendor_id
    return visibility(model, viewer)


def visible(statement: _Select, model: type[Any], viewer: Viewer) -> _Select:
    """`statement` restricted to the rows of `model` that `viewer` may see."""
    condition = visibility(model, viewer)
    return statement if condition is None else statement.where(condition)


class ScopedReadSession(Session):
    """A read session of the API: every ORM SELECT it runs is scoped to its `info["viewer"]`."""


@event.listens_for(ScopedReadSession, "do_orm_execute")
def _scope_reads(state: ORMExecuteState) -> None:
    viewer = state.session.info.get("viewer")
    if viewer is None or not state.is_select or viewer.is_admin:
        return
    options = [
        with_loader_criteria(model, condition, include_aliases=True)
        for model in _RULES
        if (condition := visibility(model, viewer)) is not None
    ]
    for mapper in state.all_mappers:
        if mapper.class_ not in _RULES:
            options.append(with_loader_criteria(mapper.class_, false(), include_aliases=True))
    state.statement = state.statement.options(*options)


@asynccontextmanager
async def scoped_reads(database: Database, viewer: Viewer) -> AsyncIterator[AsyncSession]:
    """A session whose every ORM SELECT sees only the rows `viewer` may see (the API's read sessions)."""
    async with database.sessions(bind=database.read_engine, sync_session_class=ScopedReadSession) as session:
        session.info["viewer"] = viewer
        yield session
