"""Alerts: rules on a project's metrics, evaluated on a schedule or on demand, sent as signed webhooks."""

from __future__ import annotations

from server.alerts.conditions import Reading, read_condition
from server.alerts.delivery import DeliveryPolicy, deliver_due
from server.alerts.evaluation import Evaluation, evaluate_project
from server.alerts.rules import RuleFields, create_rule, delete_rule, update_rule
from server.alerts.schedule import alerts_lifespan, evaluate_all, run_once
from server.alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, verify

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeliveryPolicy",
    "Evaluation",
    "Reading",
    "RuleFields",
    "alerts_lifespan",
    "create_rule",
    "delete_rule",
    "deliver_due",
    "evaluate_all",
    "evaluate_project",
    "read_condition",
    "run_once",
    "signature",
    "update_rule",
    "verify",
]
