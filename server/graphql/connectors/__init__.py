"""Connectors over GraphQL: importing labeling history (`importHistory`) and the connectors of live webhooks."""

from __future__ import annotations

from server.graphql.connectors.mutations import ConnectorMutations
from server.graphql.connectors.queries import ConnectorQueries

__all__ = ["ConnectorMutations", "ConnectorQueries"]
