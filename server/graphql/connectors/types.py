"""Connector types: a connector as admins see it (never its secret, shown once when created or rotated)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from server.db.connectors import Connector, ConnectorSource
from server.graphql.convert import mirrors

__all__ = ["ConnectorType"]

strawberry.enum(ConnectorSource, description="The labeling tool a connector receives webhooks from.")


@mirrors(
    Connector,
    ids={"id": "Connector", "project_id": "Project", "vendor_id": "Vendor"},
    computed={"receiver_path": lambda row: f"/hooks/{row.source.format_name}/{row.id}"},
)
@strawberry.type(name="Connector", description="A labeling tool's webhooks, imported live into one project.")
class ConnectorType:
    id: relay.GlobalID
    name: str
    source: ConnectorSource
    project_id: relay.GlobalID
    vendor_id: relay.GlobalID | None = strawberry.field(description="The vendor new labelers join (null: the tool's).")
    source_project: str | None = strawberry.field(
        description="The tool's project id whose events are imported; events of others are acknowledged and "
        "ignored (null: all)."
    )
    enabled: bool
    receiver_path: str = strawberry.field(description="Where the tool sends its webhooks, on this server.")
    created_at: datetime
    updated_at: datetime
    deliveries: int = strawberry.field(description="Authenticated deliveries received.")
    failed: int = strawberry.field(description="Of those, the ones answered with an error status.")
    last_delivery_at: datetime | None
    last_event: str | None
    last_status: int | None = strawberry.field(description="The HTTP status of the last delivery's answer.")
    last_error: str | None
