"""Connector records: create, update (rotating the secret), delete, each input checked with its field named."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.alerts.signing import new_secret
from server.db.connectors import Connector, ConnectorSource
from server.db.models import Project, Vendor
from server.db.types import utcnow
from server.services.crud.checks import check_name, get_or_not_found
from server.services.errors import Conflict, ValidationFailed

__all__ = ["ConnectorFields", "create_connector", "delete_connector", "update_connector"]

_MIN_SECRET = 16
_MAX_SECRET = 200


@dataclass
class ConnectorFields:
    """A connector's inputs; None leaves a field as it is on update. `clear_*` set a nullable field back to null,
    `rotate_secret` draws a new secret (unless `secret` gives one)."""

    name: str | None = None
    source: ConnectorSource | None = None
    project_id: int | None = None
    vendor_id: int | None = None
    clear_vendor: bool = False
    source_project: str | None = None
    clear_source_project: bool = False
    secret: str | None = None
    rotate_secret: bool = False
    enabled: bool | None = None


def _check_secret(value: str) -> str:
    if not _MIN_SECRET <= len(value) <= _MAX_SECRET or not value.isprintable() or value != value.strip():
        # The value is a secret: the message does not repeat it.
        raise ValidationFailed(
            ("secret",),
            "(hidden)",
            f"must be {_MIN_SECRET} to {_MAX_SECRET} printable characters without surrounding spaces",
        )
    return value


async def _apply(session: AsyncSession, connector: Connector, values: ConnectorFields) -> None:
    if values.name is not None:
        name = check_name(("name",), values.name)
        taken = await session.scalar(select(Connector.id).where(Connector.name == name, Connector.id != connector.id))
        if taken is not None:
            raise Conflict(f"a connector named {name!r} exists already", path=("name",))
        connector.name = name
    if values.project_id is not None:
        await get_or_not_found(session, Project, values.project_id, field=("project_id",))
        connector.project_id = values.project_id
    if values.vendor_id is not None:
        await get_or_not_found(session, Vendor, values.vendor_id, field=("vendor_id",))
        connector.vendor_id = values.vendor_id
    elif values.clear_vendor:
        connector.vendor_id = None
    if values.source_project is not None:
        connector.source_project = check_name(("source_project",), values.source_project)
    elif values.clear_source_project:
        connector.source_project = None
    if values.secret is not None:
        connector.secret = _check_secret(values.secret)
    elif values.rotate_secret:
        connector.secret = new_secret()
    if values.enabled is not None:
        connector.enabled = values.enabled


async def create_connector(session: AsyncSession, values: ConnectorFields) -> Connector:
    """A new, enabled connector; its secret is drawn at random unless given."""
    if values.name is None or values.source is None or values.project_id is None:
        raise ValidationFailed((), None, "needs name, source and projectId")
    connector = Connector(source=values.source, secret=new_secret(), enabled=True, deliveries=0, failed=0)
    await _apply(session, connector, values)
    session.add(connector)
    await session.flush()
    return connector


async def update_connector(session: AsyncSession, connector_id: int, values: ConnectorFields) -> Connector:
    """The connector with `values` applied (its source stays: a new tool is a new connector)."""
    connector = await get_or_not_found(session, Connector, connector_id, field=("id",))
    if values.source is not None and values.source is not connector.source:
        raise ValidationFailed(("source",), values.source.value, "cannot change; create a new connector")
    await _apply(session, connector, values)
    connector.updated_at = utcnow()
    await session.flush()
    return connector


async def delete_connector(session: AsyncSession, connector_id: int) -> int:
    """Delete a connector (what it imported stays); returns its id."""
    connector = await get_or_not_found(session, Connector, connector_id, field=("id",))
    await session.delete(connector)
    await session.flush()
    return connector_id
