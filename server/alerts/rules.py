"""Alert rules: create, update and delete, with every input checked against the rule's kind."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.alerts.evaluation import record_transition
from server.alerts.signing import new_secret
from server.alerts.targets import BlockedTarget, TargetPolicy, resolve_target
from server.db.alerts import AlertKind, AlertRule, AlertState
from server.db.models import Project
from server.db.types import utcnow
from server.services.analytics.profiles import PROFILES
from server.services.crud.checks import check_name, get_or_not_found
from server.services.errors import Conflict, ValidationFailed

__all__ = ["MAX_RULES_PER_PROJECT", "MAX_WINDOW_DAYS", "RuleFields", "create_rule", "delete_rule", "update_rule"]

MAX_RULES_PER_PROJECT = 50
MAX_WINDOW_DAYS = 90
_MIN_SECRET = 16


@dataclass
class RuleFields:
    """A rule's inputs; None leaves a field as it is on update (and takes the default on create)."""

    name: str | None = None
    kind: AlertKind | None = None
    threshold: float | None = None
    clear_threshold: bool = False  # update: back to the kind's default
    window_days: int | None = None
    profiles: list[str] | None = None
    webhook_url: str | None = None
    secret: str | None = None
    enabled: bool | None = None


def _check_url(value: str) -> str:
    if len(value) > 2000:
        raise ValidationFailed(("webhook_url",), value[:60] + "...", "must be at most 2000 characters")
    try:
        parts = urlsplit(value.strip())
        host, _port = parts.hostname, parts.port  # reading the port refuses one it cannot parse (`:+80`, `:99999`)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise ValidationFailed(("webhook_url",), value, "must be an http or https URL with a host and a valid port")
    return value.strip()


async def _check_target(url: str, targets: TargetPolicy) -> None:
    """Refuse an internal address now; a name that does not resolve yet is checked again at every send."""
    try:
        await resolve_target(url, targets, strict=False)
    except BlockedTarget as blocked:
        raise ValidationFailed(("webhook_url",), url, f"must not reach an internal address: {blocked}") from None


def _check_secret(value: str) -> str:
    if not _MIN_SECRET <= len(value) <= 200 or not value.isprintable():
        # The value is a secret: the message does not repeat it.
        raise ValidationFailed(("secret",), "(hidden)", f"must be {_MIN_SECRET} to 200 printable characters")
    return value


def _check_kind_inputs(rule: AlertRule) -> None:
    """The threshold and profiles the rule's kind accepts (checked on the rule as it would be saved)."""
    threshold, kind = rule.threshold, rule.kind
    if threshold is not None and not math.isfinite(threshold):
        raise ValidationFailed(("threshold",), threshold, "must be a finite number")
    if kind is AlertKind.SLA_BELOW_TARGET and threshold is not None and not 0 < threshold <= 1:
        raise ValidationFailed(("threshold",), threshold, "must be a share in (0, 1] for SLA_BELOW_TARGET")
    if kind is AlertKind.BUDGET_AHEAD_OF_PLAN and threshold is not None and not 0 <= threshold <= 1:
        raise ValidationFailed(("threshold",), threshold, "must be a margin in [0, 1] for BUDGET_AHEAD_OF_PLAN")
    if kind is AlertKind.BACKLOG_ABOVE and (threshold is None or threshold < 0):
        raise ValidationFailed(("threshold",), threshold, "must be a number of tasks >= 0 for BACKLOG_ABOVE")
    if kind in (AlertKind.FORECAST_AFTER_DEADLINE, AlertKind.LABELER_FLAGGED) and threshold is not None:
        raise ValidationFailed(("threshold",), threshold, f"must be null for {kind.value} (it takes none)")
    if rule.profiles and kind is not AlertKind.LABELER_FLAGGED:
        raise ValidationFailed(("profiles",), rule.profiles, "are only for LABELER_FLAGGED rules")
    for index, profile in enumerate(rule.profiles):
        if profile not in PROFILES:
            raise ValidationFailed(("profiles", index), profile, f"must be one of {', '.join(PROFILES)}")


def _apply(rule: AlertRule, values: RuleFields) -> None:
    if values.name is not None:
        rule.name = check_name(("name",), values.name)
    if values.kind is not None:
        rule.kind = values.kind
    if values.threshold is not None or values.clear_threshold:
        rule.threshold = values.threshold
    if values.window_days is not None:
        if not 1 <= values.window_days <= MAX_WINDOW_DAYS:
            raise ValidationFailed(("window_days",), values.window_days, f"must be between 1 and {MAX_WINDOW_DAYS}")
        rule.window_days = values.window_days
    if values.profiles is not None:
        rule.profiles = list(dict.fromkeys(values.profiles))
    if values.webhook_url is not None:
        rule.webhook_url = _check_url(values.webhook_url)
    if values.secret is not None:
        rule.secret = _check_secret(values.secret)
    if values.enabled is not None:
        rule.enabled = values.enabled
    _check_kind_inputs(rule)


async def create_rule(
    session: AsyncSession, project_id: int, values: RuleFields, *, targets: TargetPolicy | None = None
) -> AlertRule:
    """A new rule on `project_id`, in state OK; its secret is generated unless given. `targets` says where
    webhooks may go (public addresses only by default)."""
    await get_or_not_found(session, Project, project_id, field=("project_id",))
    if values.kind is None or values.name is None or values.webhook_url is None:
        raise ValidationFailed((), None, "needs name, kind and webhookUrl")
    count = await session.scalar(select(func.count()).where(AlertRule.project_id == project_id))
    if (count or 0) >= MAX_RULES_PER_PROJECT:
        raise Conflict(f"a project has at most {MAX_RULES_PER_PROJECT} alert rules", path=("project_id",))
    rule = AlertRule(project_id=project_id, window_days=7, profiles=[], enabled=True, secret=new_secret())
    _apply(rule, values)
    await _check_target(rule.webhook_url, targets or TargetPolicy())
    session.add(rule)
    await session.flush()
    return rule


async def update_rule(
    session: AsyncSession, rule_id: int, values: RuleFields, *, targets: TargetPolicy | None = None
) -> AlertRule:
    """The rule with `values` applied; its state stays until the next evaluation says otherwise, except that
    disabling a firing rule resolves it (its receiver would otherwise wait for a resolution that never comes) and
    enabling a rule starts it OK."""
    # Locked (PostgreSQL) like an evaluation does: a transition is recorded by one of them, not both.
    rule = await session.scalar(select(AlertRule).where(AlertRule.id == rule_id).with_for_update())
    if rule is None:
        rule = await get_or_not_found(session, AlertRule, rule_id, field=("id",))
    was_enabled, firing_url = rule.enabled, rule.webhook_url
    _apply(rule, values)
    if values.webhook_url is not None:
        await _check_target(rule.webhook_url, targets or TargetPolicy())
    now = utcnow()
    if was_enabled and not rule.enabled and rule.state is AlertState.FIRING:
        project = await get_or_not_found(session, Project, rule.project_id, field=("id",))
        # Sent where the FIRING went: that receiver holds the open alert.
        await record_transition(
            session,
            rule,
            project,
            AlertState.OK,
            value=rule.last_value,
            summary="resolved: the rule was disabled",
            detail={"reason": "disabled"},
            now=now,
            url=firing_url,
        )
    elif not was_enabled and rule.enabled:
        rule.state, rule.state_changed_at, rule.last_value = AlertState.OK, now, None
    rule.updated_at = now
    await session.flush()
    return rule


async def delete_rule(session: AsyncSession, rule_id: int) -> int:
    """Delete a rule with its events and deliveries (the database cascades); returns its id."""
    rule = await get_or_not_found(session, AlertRule, rule_id, field=("id",))
    await session.delete(rule)
    await session.flush()
    return rule_id
