"""`POST /hooks/labelstudio/{id}` and `POST /hooks/labelbox/{id}`: live webhooks imported into the connector's
project as they arrive, one small import per delivery.

The answer to a request comes in this order: 413 for a body over `MAX_BODY_BYTES`; 401 for an unknown connector,
a connector of the other tool, or a missing or wrong credential (one message for all, so a caller learns nothing of
which ids exist); 403 for a disabled connector; 415 for a body declared as anything but JSON; 400 for a body that is
not JSON or not a webhook of the tool; 422 when the importer rejects what the event carries (the reasons are in the
answer); 202 for a review of a label not imported yet, kept until the label arrives (`PendingReview`); 200
otherwise, with what was created, updated or left unchanged, or why nothing was imported. Redelivering
an event finds every row as stored (the importer keys rows by the tool's ids) and changes nothing; a creation event
arriving after an update of the same label leaves the newer version stored. Authenticated deliveries are tallied on
the connector (`deliveries`, `failed`, the last status and error); unauthenticated requests write nothing.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.connectors.credentials import SIGNATURE_HEADER, authentic
from server.connectors.formats import build_format
from server.connectors.importer import import_records
from server.connectors.report import ImportReport
from server.connectors.webhooks import HookEvent, PayloadError, labelbox_review_row, parse_body, read_event
from server.db.connectors import Connector, ConnectorSource, DeliveredVersion, PendingReview
from server.db.models import Label, Labeler, Task, Vendor
from server.db.session import Database
from server.db.types import utcnow
from server.services.errors import DomainError
from server.settings import Settings

__all__ = ["MAX_BODY_BYTES", "hook_routes"]

MAX_BODY_BYTES = 1_048_576  # one event is a few kilobytes; a megabyte leaves room for large task data
_EVENT_HEADER = "X-Labelbox-Event"
_UNAUTHENTICATED = "unknown connector or bad credentials"
_MAX_REASONS = 20
_log = logging.getLogger(__name__)


class _TooLarge(Exception):
    pass


@dataclass
class _Outcome:
    status: int
    body: dict[str, Any]

    @property
    def failed(self) -> bool:
        return self.status >= 400


def _error(status: int, message: str) -> _Outcome:
    return _Outcome(status, {"error": message})


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _json_type(content_type: str | None) -> bool:
    """Whether a body declared `content_type` may be JSON: application/json (any parameters), a `+json` type, or
    no declaration at all (some senders leave it out)."""
    if content_type is None or not content_type.strip():
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _connector_id(request: Request) -> int | None:
    raw = str(request.path_params.get("connector_id", ""))
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


class HookReceiver:
    """The receiver of one tool's webhooks (a Starlette endpoint)."""

    def __init__(self, database: Database, settings: Settings, source: ConnectorSource) -> None:
        self.database = database
        self.settings = settings
        self.source = source

    async def handle(self, request: Request) -> JSONResponse:
        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                outcome = await self._receive(request)
        except TimeoutError:
            outcome = _error(504, f"the delivery took over {self.settings.request_timeout_seconds:g} s; retry")
        except _TooLarge:
            outcome = _error(413, f"body larger than {MAX_BODY_BYTES} bytes")
        except ClientDisconnect:
            outcome = _error(400, "the body was cut short")
        except DBAPIError:
            _log.warning("webhook receiver: the database is unavailable", exc_info=True)
            outcome = _error(503, "the database is unavailable; retry")
        return JSONResponse(outcome.body, status_code=outcome.status)

    async def _receive(self, request: Request) -> _Outcome:
        body = await _body(request)
        key = _connector_id(request)
        found = None if key is None else await self._connector(key)
        connector, vendor = found if found is not None else (None, None)
        same_tool = connector is not None and connector.source is self.source
        if not authentic(
            self.source,
            connector.secret if same_tool and connector is not None else None,
            authorization=request.headers.get("authorization"),
            signature=request.headers.get(SIGNATURE_HEADER),
            body=body,
        ):
            return _error(401, _UNAUTHENTICATED)
        assert connector is not None
        content_type = request.headers.get("content-type")
        if not connector.enabled:
            outcome, event = _error(403, f"connector {connector.id} is disabled"), None
        elif not _json_type(content_type):
            outcome, event = _error(415, f"Content-Type must be application/json, got {content_type!r:.80}"), None
        else:
            outcome, event = await self._process(connector, vendor, body, request.headers.get(_EVENT_HEADER))
        await self._tally(connector.id, event, outcome)
        return outcome

    async def _process(
        self, connector: Connector, vendor: str | None, body: bytes, topic: str | None
    ) -> tuple[_Outcome, str | None]:
        """The answer to an authenticated delivery, and the event it named (None when unreadable)."""
        try:
            payload = parse_body(body)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            return _error(400, f"body is not JSON: {error}"), None
        try:
            event = read_event(self.source, payload, topic, source_project=connector.source_project)
        except PayloadError as error:
            return _error(400, str(error)), None
        try:
            return await self._deliver(connector, vendor, event), event.event
        except DomainError as error:
            return _error(422, error.message), event.event
        except (IntegrityError, DBAPIError):
            # A concurrent delivery of the same rows won the race (or the database is busy): a retry succeeds.
            _log.warning("connector %s: delivery conflicted with a concurrent write", connector.id, exc_info=True)
            return _error(503, "the delivery conflicted with a concurrent one; retry"), event.event
        except Exception:
            _log.exception("connector %s: delivery failed unexpectedly", connector.id)
            return _error(500, "internal error; the delivery was not imported"), event.event

    async def _connector(self, key: int) -> tuple[Connector, str | None] | None:
        async with self.database.session() as session:
            row = (
                await session.execute(
                    select(Connector, Vendor.name)
                    .outerjoin(Vendor, Vendor.id == Connector.vendor_id)
                    .where(Connector.id == key)
                )
            ).first()
        return None if row is None else (row[0], row[1])

    async def _deliver(self, connector: Connector, vendor: str | None, event: HookEvent) -> _Outcome:
        answer: dict[str, Any] = {"event": event.event}
        if connector.source_project is not None and event.source_project not in (None, connector.source_project):
            reason = f"source project {event.source_project} is not this connector's ({connector.source_project})"
            return _Outcome(200, {**answer, "status": "ignored", "reason": reason})
        export = event.export
        if event.review is not None and event.label is not None:
            export, vendor, stored = await self._review_export(connector, event.label, event.review)
            if export is None and not stored:
                await self._keep_pending(connector.id, event.label, event.review, event.review_creation)
                reason = f"label {event.label} is not imported yet: its review is kept until the label arrives"
                return _Outcome(202, {**answer, "status": "pending", "reason": reason})
            if export is None:
                reason = f"label {event.label} was not imported from Labelbox: its review is not applied"
                return _Outcome(200, {**answer, "status": "skipped", "reason": reason})
        if event.deleted:
            return _Outcome(200, {**answer, "status": "skipped", "reason": event.reason, "labels": list(event.deleted)})
        if export is None:
            return _Outcome(200, {**answer, "status": "ignored", "reason": event.reason})
        if event.version is not None and (newer := await self._newer_version(connector.id, *event.version)):
            label, when = event.version[0], newer.isoformat()
            reason = f"label {label} was changed at {when}, after this update: an older update is not applied"
            return _Outcome(200, {**answer, "status": "skipped", "reason": reason})
        fmt = build_format(self.source.format_name)
        report = await import_records(
            self.database,
            fmt,
            io.StringIO(export),
            project=connector.project_id,
            vendor=vendor,
            keep_stored=event.creation,
            keep_stored_reviews=event.review_creation,
        )
        outcome = _reported(answer, report)
        if event.version is not None and not outcome.failed:
            await self._applied_version(connector.id, *event.version)
        if event.review is None and not outcome.failed and self.source is ConnectorSource.LABELBOX:
            applied = await self._apply_pending(connector)
            if applied:
                outcome.body["pendingReviewsApplied"] = applied
        return outcome

    async def _newer_version(self, connector_id: int, label: str, updated_at: datetime) -> datetime | None:
        """When the label was changed, if a delivery already applied says it was changed after `updated_at`."""
        async with self.database.session() as session:
            applied = await session.get(DeliveredVersion, (connector_id, label))
        return applied.updated_at if applied is not None and applied.updated_at > updated_at else None

    async def _applied_version(self, connector_id: int, label: str, updated_at: datetime) -> None:
        async with self.database.transaction() as session:
            applied = await session.get(DeliveredVersion, (connector_id, label))
            if applied is None:
                session.add(DeliveredVersion(connector_id=connector_id, label=label, updated_at=updated_at))
            elif updated_at > applied.updated_at:
                applied.updated_at = updated_at

    async def _keep_pending(self, connector_id: int, label: str, review: dict[str, Any], creation: bool) -> None:
        """Keep a review of a label not imported yet. A redelivery changes nothing; an update replaces what is kept,
        and a creation arriving after an update leaves the update kept (as for stored reviews)."""
        async with self.database.transaction() as session:
            kept = await session.get(PendingReview, (connector_id, label, review["id"]))
            if kept is None:
                session.add(
                    PendingReview(
                        connector_id=connector_id, label=label, review_id=review["id"], review=review, creation=creation
                    )
                )
            elif not creation:
                kept.review, kept.creation = review, False

    async def _apply_pending(self, connector: Connector) -> int:
        """Apply the kept reviews whose labels are now imported, oldest first, and drop them; how many applied."""
        async with self.database.session() as session:
            pending = (
                await session.scalars(
                    select(PendingReview)
                    .join(Label, Label.external_id == PendingReview.label)
                    .join(Task, Task.id == Label.task_id)
                    .where(PendingReview.connector_id == connector.id, Task.project_id == connector.project_id)
                    .order_by(PendingReview.received_at, PendingReview.review_id)
                )
            ).all()
        applied = 0
        for kept in pending:
            export, vendor, _ = await self._review_export(connector, kept.label, kept.review)
            if export is not None:
                report = await import_records(
                    self.database,
                    build_format(self.source.format_name),
                    io.StringIO(export),
                    project=connector.project_id,
                    vendor=vendor,
                    keep_stored_reviews=kept.creation,
                )
                if report.rejected:
                    reasons = "; ".join(r.reason for r in report.rejections[:3])
                    _log.warning("connector %s: a kept review of %s was refused: %s", connector.id, kept.label, reasons)
                else:
                    applied += 1
            # Applied, or never applicable (the label is not from Labelbox, or the review was refused): not kept.
            async with self.database.transaction() as session:
                await session.execute(
                    delete(PendingReview).where(
                        PendingReview.connector_id == kept.connector_id,
                        PendingReview.label == kept.label,
                        PendingReview.review_id == kept.review_id,
                    )
                )
        return applied

    async def _review_export(
        self, connector: Connector, label: str, review: dict[str, Any]
    ) -> tuple[str | None, str | None, bool]:
        """The export row adding `review` to the stored label `label` (None when it cannot be added), the vendor of
        its labeler, and whether the label is stored at all."""
        async with self.database.session() as session:
            row = (
                await session.execute(
                    select(Label, Task.external_id, Task.payload_ref, Labeler.external_id, Vendor.name)
                    .join(Task, Task.id == Label.task_id)
                    .join(Labeler, Labeler.id == Label.labeler_id)
                    .join(Vendor, Vendor.id == Labeler.vendor_id)
                    .where(Task.project_id == connector.project_id, Label.external_id == label)
                )
            ).first()
        if row is None:
            return None, None, False
        stored, task, payload, labeler, vendor = row
        if task is None or labeler is None or not isinstance(stored.source_result, dict):
            return None, None, True
        export = labelbox_review_row(
            task=task,
            payload=payload,
            label=label,
            labeler=labeler,
            submitted_at=stored.submitted_at.isoformat(),
            seconds=stored.seconds_to_label,
            result=stored.source_result,
            review=review,
        )
        return export, vendor, True

    async def _tally(self, connector_id: int, event: str | None, outcome: _Outcome) -> None:
        values: dict[str, Any] = {
            "deliveries": Connector.deliveries + 1,
            "failed": Connector.failed + (1 if outcome.failed else 0),
            "last_delivery_at": utcnow(),
            "last_event": event,
            "last_status": outcome.status,
            "last_error": outcome.body.get("error") if outcome.failed else None,
            "updated_at": Connector.updated_at,  # a delivery is not an edit of the connector
        }
        try:
            async with self.database.transaction() as session:
                await session.execute(update(Connector).where(Connector.id == connector_id).values(**values))
        except Exception:
            # The delivery's answer matters more than its tally.
            _log.warning("connector %s: could not tally a delivery", connector_id, exc_info=True)


def _reported(answer: dict[str, Any], report: ImportReport) -> _Outcome:
    counts = {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "rejected": report.rejected,
        "tasksCreated": report.tasks_created,
        "reviewsCreated": report.reviews_created,
    }
    reasons = [r.reason for r in report.rejections[:_MAX_REASONS]] + [s.reason for s in report.skips[:_MAX_REASONS]]
    if report.rejected:
        return _Outcome(422, {**answer, "status": "rejected", **counts, "reasons": reasons, "error": reasons[0]})
    return _Outcome(200, {**answer, "status": "imported", **counts, "reasons": reasons})


def hook_routes(database: Database, settings: Settings) -> list[Route]:
    """The receivers' routes, one per tool."""
    return [
        Route(
            f"/hooks/{source.format_name}/{{connector_id}}",
            HookReceiver(database, settings, source).handle,
            methods=["POST"],
        )
        for source in ConnectorSource
    ]
