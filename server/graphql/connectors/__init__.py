"""Connectors over GraphQL: importing labeling history (`importHistory`)."""

from __future__ import annotations

from server.graphql.connectors.mutations import ConnectorMutations

__all__ = ["ConnectorMutations"]
