"""Alerts over GraphQL: rules, their evaluation on demand, and the webhook delivery log."""

from server.graphql.alerts.mutations import AlertMutations
from server.graphql.alerts.queries import AlertQueries

__all__ = ["AlertMutations", "AlertQueries"]
