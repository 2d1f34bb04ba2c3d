"""`importHistory`: the `labelops import` importer over GraphQL, for admins; and the connectors whose webhooks
import live (`createConnector`, `updateConnector`, `deleteConnector`), for admins.

The file comes as `content` (its text) or as `path`, a file under the directory named by
`LABELOPS_IMPORT_DIRECTORY` (server-side paths are refused when it is not set, and outside it always).
"""

from __future__ import annotations

import io
import os
import stat
import tomllib
from enum import Enum
from pathlib import Path
from typing import IO, Annotated

import strawberry
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import ADMINS, mutation
from server.connectors import ImportReport, build_format, import_records
from server.connectors.csv import Mapping
from server.connectors.registry import ConnectorFields, create_connector, delete_connector, update_connector
from server.db.connectors import ConnectorSource
from server.graphql.connectors.types import ConnectorType
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import ARGUMENTS, ConflictError, MutationError, error_for, mutate
from server.graphql.ids import decode_id
from server.services.errors import DomainError, ValidationFailed
from server.services.errors import Path as FieldPath

__all__ = ["ConnectorMutations", "ImportFormat", "ImportHistoryInput", "ImportHistoryPayload"]


@strawberry.enum(description="Formats `importHistory` reads.")
class ImportFormat(Enum):
    LABELSTUDIO = "labelstudio"
    LABELBOX = "labelbox"
    CSV = "csv"


@strawberry.input(description="One of `content` or `path`; `mapping` (TOML text) for CSV.")
class ImportHistoryInput:
    format: ImportFormat
    project_id: relay.GlobalID
    content: str | None = strawberry.field(default=None, description="The file's text.")
    path: str | None = strawberry.field(
        default=None, description="A file under the server's import directory (LABELOPS_IMPORT_DIRECTORY)."
    )
    vendor: str | None = strawberry.field(default=None, description="Vendor of the labelers (default: the source).")
    mapping: str | None = strawberry.field(default=None, description='CSV: the mapping as TOML, e.g. task = "HITId".')
    time_zone: str | None = strawberry.field(default=None, description="Zone of timestamps without an offset.")
    dry_run: bool = strawberry.field(default=False, description="Check and count everything, write nothing.")


@strawberry.type(description="A row not imported: its line (for JSON exports, the task's position) and why.")
class ImportRow:
    line: int
    reason: str


@strawberry.type(description="What an import read and did.")
class ImportHistoryPayload:
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    tasks_created: int
    tasks_updated: int
    labelers_created: int
    reviews_created: int
    days_rebuilt: int
    notes: list[str]
    rejections: list[ImportRow] = strawberry.field(description="The first 1000 rejected rows.")
    skips: list[ImportRow] = strawberry.field(description="The first 1000 skipped rows.")

    @classmethod
    def from_report(cls, report: ImportReport) -> ImportHistoryPayload:
        return cls(
            dry_run=report.dry_run,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            skipped=report.skipped,
            rejected=report.rejected,
            tasks_created=report.tasks_created,
            tasks_updated=report.tasks_updated,
            labelers_created=report.labelers_created,
            reviews_created=report.reviews_created,
            days_rebuilt=report.days_rebuilt,
            notes=list(report.notes),
            rejections=[ImportRow(line=r.line, reason=r.reason) for r in report.rejections],
            skips=[ImportRow(line=r.line, reason=r.reason) for r in report.skips],
        )


ImportHistoryResult = Annotated[ImportHistoryPayload | MutationError, strawberry.union("ImportHistoryResult")]


@strawberry.input
class CreateConnectorInput:
    name: str
    source: ConnectorSource
    project_id: relay.GlobalID
    vendor_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The vendor new labelers join (default: the tool's, as imports do)."
    )
    source_project: str | None = strawberry.field(
        default=None, description="Import only the events of this project of the tool (its id there)."
    )
    secret: str | None = strawberry.field(
        default=None, description="16 to 200 characters; drawn at random when left out."
    )


@strawberry.input(description="Fields left out stay as they are; `vendorId` / `sourceProject` null clears them.")
class UpdateConnectorInput:
    id: relay.GlobalID
    name: str | None = None
    project_id: relay.GlobalID | None = None
    vendor_id: relay.GlobalID | None = strawberry.UNSET
    source_project: str | None = strawberry.UNSET
    enabled: bool | None = None
    rotate_secret: bool = strawberry.field(default=False, description="Draw a new secret (answered once).")
    secret: str | None = strawberry.field(default=None, description="Set this secret instead (answered once).")


@strawberry.type(description="A new connector with its secret: the only time the API shows it.")
class ConnectorCreated:
    connector: ConnectorType
    secret: str


@strawberry.type
class ConnectorPayload:
    connector: ConnectorType
    secret: str | None = strawberry.field(description="The new secret when this change set one, else null.")


@strawberry.type
class DeletedConnector:
    id: relay.GlobalID


ConnectorCreatedResult = Annotated[ConnectorCreated | MutationError, strawberry.union("ConnectorCreatedResult")]
ConnectorResult = Annotated[ConnectorPayload | MutationError, strawberry.union("ConnectorResult")]
DeleteConnectorResult = Annotated[DeletedConnector | MutationError, strawberry.union("DeleteConnectorResult")]


def _optional_id(value: relay.GlobalID | None, type_name: str, field: FieldPath) -> int | None:
    return None if value is None or value is strawberry.UNSET else decode_id(value, type_name, field)


def _open(values: ImportHistoryInput, directory: str) -> IO[str]:
    if (values.content is None) == (values.path is None):
        raise ValidationFailed(("content",), None, "or input.path must be given, one of them")
    if values.content is not None:
        return io.StringIO(values.content, newline="")  # as a file is read: any line ending ends a line
    assert values.path is not None
    if not directory:
        raise ValidationFailed(("path",), values.path, "is refused: server-side imports are not enabled")
    root = Path(directory).resolve()
    try:
        target = (root / values.path).resolve()
        stream = _open_regular_file(target) if target.is_relative_to(root) else None
    except (OSError, RuntimeError):  # a name too long, a symlink loop (RuntimeError before Python 3.13), unreadable
        stream = None
    if stream is None:
        raise ValidationFailed(("path",), values.path, "must name a file inside the import directory")
    return stream


def _open_regular_file(target: Path) -> IO[str] | None:
    """`target` opened for reading if it is a regular file, else None.

    Checked on the open descriptor, so the file checked is the file read even if the name changes meanwhile: the
    last part is not followed if it became a symlink, and a FIFO or device does not block the open (a FIFO would
    hold the server's event loop until someone wrote to it).
    """
    descriptor = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return None
    os.set_blocking(descriptor, True)
    return open(descriptor, encoding="utf-8-sig", newline="")


def _mapping(values: ImportHistoryInput) -> Mapping | None:
    if values.format is not ImportFormat.CSV:
        if values.mapping is not None:
            raise ValidationFailed(("mapping",), _excerpt(values.mapping), "applies to the CSV format only")
        return None
    if values.mapping is None:
        raise ValidationFailed(("mapping",), None, "is required for CSV: which column holds what")
    try:
        return Mapping.from_values(
            {**tomllib.loads(values.mapping), **({"time_zone": values.time_zone} if values.time_zone else {})}
        )
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise ValidationFailed(("mapping",), _excerpt(values.mapping), f"is not usable: {error}") from None


def _excerpt(text: str, limit: int = 200) -> str:
    """A mapping as an error quotes it: whole when short, else its start (a TOML file can be long)."""
    return text if len(text) <= limit else f"{text[:limit]}..."


@strawberry.type
class ConnectorMutations:
    @mutation(
        ADMINS,
        description="Import labeling history (Label Studio JSON, Labelbox NDJSON, CSV with a mapping) into a "
        "project; idempotent, keyed by the source's ids. One transaction per batch of rows.",
    )
    async def import_history(self, info: Info, input: ImportHistoryInput) -> ImportHistoryResult:
        try:
            project_id = decode_id(input.project_id, "Project", ("project_id",))
            mapping = _mapping(input)
            try:
                fmt = build_format(input.format.value, mapping=mapping, time_zone=input.time_zone or "UTC")
            except ValueError as error:
                raise ValidationFailed(("time_zone",), input.time_zone, f"is not usable: {error}") from None
            stream = _open(input, info.context.settings.import_directory)
            try:
                report = await import_records(
                    info.context.database,
                    fmt,
                    stream,
                    project=project_id,
                    vendor=input.vendor,
                    dry_run=input.dry_run,
                )
            finally:
                stream.close()
        except DomainError as error:
            return error_for(error)
        except UnicodeDecodeError:
            return error_for(ValidationFailed(("path",), input.path, "must be a UTF-8 text file"))
        except IntegrityError:
            # A concurrent import (or webhook) created the same rows first; batches before this one are committed,
            # and importing again finds them stored.
            message = "a concurrent import wrote the same rows first; import again (it is idempotent)"
            return ConflictError(message=message, field=None)
        return ImportHistoryPayload.from_report(report)

    @mutation(
        ADMINS,
        description="Add a connector: the receiver at `connector.receiverPath` imports the tool's webhooks into the "
        "project. The answer holds the secret the tool authenticates with, shown this once.",
    )
    async def create_connector(self, info: Info, input: CreateConnectorInput) -> ConnectorCreatedResult:
        async def operation(session: AsyncSession) -> ConnectorCreated:
            fields = ConnectorFields(
                name=input.name,
                source=input.source,
                project_id=decode_id(input.project_id, "Project", ("project_id",)),
                vendor_id=_optional_id(input.vendor_id, "Vendor", ("vendor_id",)),
                source_project=input.source_project,
                secret=input.secret,
            )
            connector = await create_connector(session, fields)
            return ConnectorCreated(connector=from_service(ConnectorType, connector), secret=connector.secret)

        return await mutate(info, operation)

    @mutation(
        ADMINS,
        description="Change a connector: rename, move to another project, disable (its webhooks are refused with "
        "403) or enable, rotate its secret (the old one stops working at once).",
    )
    async def update_connector(self, info: Info, input: UpdateConnectorInput) -> ConnectorResult:
        async def operation(session: AsyncSession) -> ConnectorPayload:
            if input.rotate_secret and input.secret is not None:
                raise ValidationFailed(("rotate_secret",), True, "and input.secret exclude each other")
            fields = ConnectorFields(
                name=input.name,
                project_id=_optional_id(input.project_id, "Project", ("project_id",)),
                vendor_id=_optional_id(input.vendor_id, "Vendor", ("vendor_id",)),
                clear_vendor=input.vendor_id is None,
                source_project=None if input.source_project is strawberry.UNSET else input.source_project,
                clear_source_project=input.source_project is None,
                secret=input.secret,
                rotate_secret=input.rotate_secret,
                enabled=input.enabled,
            )
            connector = await update_connector(session, decode_id(input.id, "Connector", ("id",)), fields)
            changed = input.rotate_secret or input.secret is not None
            return ConnectorPayload(
                connector=from_service(ConnectorType, connector), secret=connector.secret if changed else None
            )

        return await mutate(info, operation)

    @mutation(ADMINS, description="Delete a connector; what it imported stays. Its receiver answers 401 from now on.")
    async def delete_connector(self, info: Info, id: relay.GlobalID) -> DeleteConnectorResult:
        async def operation(session: AsyncSession) -> DeletedConnector:
            await delete_connector(session, decode_id(id, "Connector", ("id",)))
            return DeletedConnector(id=id)

        return await mutate(info, operation, root=ARGUMENTS)
