"""`importHistory`: the `labelops import` importer over GraphQL, for admins.

The file comes as `content` (its text) or as `path`, a file under the directory named by
`LABELOPS_IMPORT_DIRECTORY` (server-side paths are refused when it is not set, and outside it always).
"""

from __future__ import annotations

import io
import tomllib
from enum import Enum
from pathlib import Path
from typing import IO, Annotated

import strawberry
from strawberry import relay

from server.auth.permissions import ADMINS, mutation
from server.connectors import ImportReport, build_format, import_records
from server.connectors.csv import Mapping
from server.graphql.context import Info
from server.graphql.errors import MutationError, error_from
from server.graphql.ids import decode_id
from server.services.errors import DomainError, ValidationFailed

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


def _open(values: ImportHistoryInput, directory: str) -> IO[str]:
    if (values.content is None) == (values.path is None):
        raise ValidationFailed("input.content", None, "or input.path must be given, one of them")
    if values.content is not None:
        return io.StringIO(values.content)
    assert values.path is not None
    if not directory:
        raise ValidationFailed("input.path", values.path, "is refused: server-side imports are not enabled")
    root = Path(directory).resolve()
    target = (root / values.path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise ValidationFailed("input.path", values.path, "must name a file inside the import directory")
    return open(target, encoding="utf-8-sig", newline="")


def _mapping(values: ImportHistoryInput) -> Mapping | None:
    if values.format is not ImportFormat.CSV:
        if values.mapping is not None:
            raise ValidationFailed("input.mapping", "(given)", "applies to the CSV format only")
        return None
    if values.mapping is None:
        raise ValidationFailed("input.mapping", None, "is required for CSV: which column holds what")
    try:
        return Mapping.from_values(
            {**tomllib.loads(values.mapping), **({"time_zone": values.time_zone} if values.time_zone else {})}
        )
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise ValidationFailed("input.mapping", "(given)", f"is not usable: {error}") from None


@strawberry.type
class ConnectorMutations:
    @mutation(
        ADMINS,
        description="Import labeling history (Label Studio JSON, Labelbox NDJSON, CSV with a mapping) into a "
        "project; idempotent, keyed by the source's ids. One transaction per batch of rows.",
    )
    async def import_history(self, info: Info, input: ImportHistoryInput) -> ImportHistoryResult:
        try:
            project_id = decode_id(input.project_id, "Project", "input.projectId")
            mapping = _mapping(input)
            try:
                fmt = build_format(input.format.value, mapping=mapping, time_zone=input.time_zone or "UTC")
            except ValueError as error:
                raise ValidationFailed("input.timeZone", input.time_zone, f"is not usable: {error}") from None
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
            return error_from(error)
        except UnicodeDecodeError:
            return error_from(ValidationFailed("input.path", input.path, "must be a UTF-8 text file"))
        return ImportHistoryPayload.from_report(report)
