"""Analytics queries: a project's health dashboard, and the metrics of any project, vendor, labeler or day.

Dashboards aggregate everyone's work on a project, costs included, so access is decided up front for the whole
answer rather than row by row: admins see everything, program managers their own projects, vendor managers the
metrics of their own vendor. A scope the caller may not see reads as not found. The statements then run on a
plain session, each aggregating in SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from server.auth.permissions import require_metrics_scope
from server.auth.query_limits import MAX_WINDOW_DAYS
from server.graphql.analytics.types import (
    OperationsMetrics,
    OperationsMetricsResult,
    ProjectDashboard,
    ProjectDashboardResult,
)
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import NotFoundError, ValidationError, lookup_error
from server.graphql.ids import decode_id
from server.services.analytics import Scope, project_dashboard
from server.services.analytics.dashboard import scope_metrics
from server.services.errors import DomainError, Path, ValidationFailed

__all__ = ["AnalyticsQueries"]

_From = Annotated[
    datetime | None, strawberry.argument(name="from", description="Start of the window (inclusive); open if null.")
]
_To = Annotated[datetime | None, strawberry.argument(description="End of the window (exclusive); open if null.")]


def _error(error: DomainError) -> NotFoundError | ValidationError:
    return lookup_error(error)


# Moments outside these centuries are typos or probes: refused before any date arithmetic can overflow.
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def _utc(value: datetime | None, field: Path) -> datetime | None:
    """`value` in UTC: the same instant written with any offset gives the same answer, echoed moments included."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationFailed(field, value.isoformat(), "must carry a time zone (e.g. 2024-03-01T00:00:00Z)")
    if not _EARLIEST <= value < _LATEST:
        raise ValidationFailed(field, value.isoformat(), "must lie between 1900-01-01 and 3000-01-01")
    return value.astimezone(UTC)


def _window(start: datetime | None, end: datetime | None) -> None:
    if start is None or end is None:
        return  # open windows reach only as far as the recorded history
    if end <= start:
        raise ValidationFailed(("to",), end.isoformat(), f"must be after from ({start.isoformat()})")
    # A bounded window is answered day by day, so its length is what the request costs.
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise ValidationFailed(
            ("to",),
            end.isoformat(),
            f"must be at most {MAX_WINDOW_DAYS} days after from ({start.isoformat()}); "
            "leave from or to empty for the whole history",
        )


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(
        description="A project's whole health dashboard over [from, to): quality, agreement, issues, speed, cost "
        "and budget, completion forecast, SLA attainment, by day, by labeler, learning curves and speed outliers. "
        "Runs a fixed number of SQL statements whatever the data size."
    )
    async def project_dashboard(
        self,
        info: Info,
        project_id: relay.GlobalID,
        from_: _From = None,
        to: _To = None,
        as_of: Annotated[
            datetime | None,
            strawberry.argument(description="When the forecast is made (default: `to`, or now)."),
        ] = None,
    ) -> ProjectDashboardResult:
        try:
            key = decode_id(project_id, "Project", ("project_id",))
            start, end = _utc(from_, ("from",)), _utc(to, ("to",))
            moment = _utc(as_of, ("as_of",))
            require_metrics_scope(info, project_id=key, vendor_id=None, dashboard=True)
            _window(start, end)
            async with info.context.database.session() as session:
                dashboard = await project_dashboard(
                    session, key, start=start, end=end, as_of=moment, database=info.context.database
                )
        except DomainError as error:
            return _error(error)
        return from_service(ProjectDashboard, dashboard)

    @strawberry.field(
        description="Quality, agreement, issues, speed and cost of a slice of the work: any combination of a "
        "project, a vendor and a labeler, over [from, to) or one UTC `day`."
    )
    async def operations_metrics(
        self,
        info: Info,
        project_id: relay.GlobalID | None = None,
        vendor_id: relay.GlobalID | None = None,
        labeler_id: relay.GlobalID | None = None,
        from_: _From = None,
        to: _To = None,
        day: Annotated[date | None, strawberry.argument(description="One UTC day; replaces from/to.")] = None,
    ) -> OperationsMetricsResult:
        try:
            project = None if project_id is None else decode_id(project_id, "Project", ("project_id",))
            vendor = None if vendor_id is None else decode_id(vendor_id, "Vendor", ("vendor_id",))
            labeler = None if labeler_id is None else decode_id(labeler_id, "Labeler", ("labeler_id",))
            start, end = _utc(from_, ("from",)), _utc(to, ("to",))
            if day is not None:
                if start is not None or end is not None:
                    raise ValidationFailed(("day",), day.isoformat(), "cannot be combined with from/to")
                one_day = Scope.day(day)
                start, end = one_day.start, one_day.end
            _window(start, end)
            require_metrics_scope(info, project_id=project, vendor_id=vendor, dashboard=False)
            scope = Scope(project_id=project, vendor_id=vendor, labeler_id=labeler, start=start, end=end)
            async with info.context.database.session() as session:
                metrics = await scope_metrics(session, scope, info.context.database)
        except DomainError as error:
            return _error(error)
        return from_service(OperationsMetrics, metrics)
