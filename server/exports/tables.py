"""The tables an export can ask for, each answered by the GraphQL query the API serves for the same slice.

An export runs that query on the caller's behalf, with the caller's viewer, so it sees exactly the rows, errors
and scoping the API gives that key (a vendor manager's key exports its own vendor's metrics, and gets "not found"
for anyone else's). Columns are the fields of the row type, in schema order, nested objects flattened with dots
(`quality.approvalRate`); lists inside a row are left out (each has a table of its own where it matters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLList, GraphQLObjectType, GraphQLSchema, get_nullable_type, is_leaf_type

__all__ = ["TABLES", "Table", "columns", "selection"]


@dataclass(frozen=True, slots=True)
class Table:
    """One exportable table: `GET /export/<name>.csv?<parameters>`."""

    name: str
    description: str
    root: str  # the query field
    parameters: dict[str, str]  # query-string parameter -> its GraphQL type, same names as the field's arguments
    path: tuple[str, ...]  # from the root's value (after the result union) to the list of rows
    row_type: str | None  # GraphQL type of a row; None when `rows` builds rows itself
    result_type: str | None = None  # the member of the root's result union holding the data
    rows: Callable[[Any], tuple[list[str], list[list[Any]]]] | None = None  # custom rows from the list's value

    def operation(self, schema: GraphQLSchema) -> str:
        """The query, with its variables named as the parameters."""
        definitions = ", ".join(f"${name}: {kind}" for name, kind in self.parameters.items())
        arguments = ", ".join(f"{self._argument(name)}: ${name}" for name in self.parameters)
        inner = selection(schema, self.row_type) if self.row_type else ""
        for field in reversed(self.path):
            inner = f"{field} {{ {inner} }}" if inner else field
        if self.result_type is not None:
            inner = f"__typename ... on UserError {{ message field }} ... on {self.result_type} {{ {inner} }}"
        variables = f"({definitions})" if definitions else ""
        return f"query Export{variables} {{ {self.root}({arguments}) {{ {inner} }} }}"

    def _argument(self, name: str) -> str:
        return "id" if name == "runId" else name


def selection(schema: GraphQLSchema, type_name: str) -> str:
    """The selection set of every leaf column of `type_name`."""
    parts = []
    graphql_type = schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    for name, field in graphql_type.fields.items():
        kind = get_nullable_type(field.type)
        if isinstance(kind, GraphQLList) or field.args:
            continue
        if is_leaf_type(kind):
            parts.append(name)
        elif isinstance(kind, GraphQLObjectType):
            parts.append(f"{name} {{ {selection(schema, kind.name)} }}")
    return " ".join(parts)


def columns(schema: GraphQLSchema, type_name: str, prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    """(header, path into a row) of every leaf column of `type_name`, in schema order."""
    graphql_type = schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    found: list[tuple[str, tuple[str, ...]]] = []
    for name, field in graphql_type.fields.items():
        kind = get_nullable_type(field.type)
        if isinstance(kind, GraphQLList) or field.args:
            continue
        if is_leaf_type(kind):
            found.append((prefix + name, (name,)))
        elif isinstance(kind, GraphQLObjectType):
            found.extend((header, (name, *path)) for header, path in columns(schema, kind.name, f"{prefix}{name}."))
    return found


def _daily_bands(result: Any) -> tuple[list[str], list[list[Any]]]:
    """A run's daily bands (its `result` JSON) in long form: one row per series and day."""
    header = ["series", "day", "mean", "ciLow", "ciHigh", "p2_5", "p97_5"]
    daily = result.get("daily", {}) if isinstance(result, dict) else {}
    rows: list[list[Any]] = []
    for series in sorted(daily):
        band = daily[series]
        if not isinstance(band, dict):
            continue
        means: Sequence[Any] = band.get("mean", [])
        for day in range(len(means)):
            rows.append(
                [series, day, *(_at(band.get(key), day) for key in ("mean", "ci_low", "ci_high", "p2_5", "p97_5"))]
            )
    return header, rows


def _at(values: Any, index: int) -> Any:
    return values[index] if isinstance(values, list) and index < len(values) else None


_DASHBOARD = {"projectId": "ID!", "from": "DateTime", "to": "DateTime", "asOf": "DateTime"}
_METRICS = {
    "projectId": "ID",
    "vendorId": "ID",
    "labelerId": "ID",
    "from": "DateTime",
    "to": "DateTime",
    "day": "Date",
}


def _dashboard(name: str, path: tuple[str, ...], row_type: str, description: str) -> Table:
    return Table(name, description, "projectDashboard", _DASHBOARD, path, row_type, "ProjectDashboard")


def _metrics(name: str, path: tuple[str, ...], row_type: str, description: str) -> Table:
    return Table(name, description, "operationsMetrics", _METRICS, path, row_type, "OperationsMetrics")


TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        _dashboard("dashboard-days", ("days",), "DashboardDay", "A project's dashboard, one row per day."),
        _dashboard("dashboard-labelers", ("labelers",), "LabelerMetrics", "A project's dashboard per labeler."),
        _dashboard("dashboard-sla-days", ("sla", "byDay"), "SlaDay", "SLA attainment per day of completion."),
        _dashboard("dashboard-usage", ("cost", "usage"), "UsageRow", "Cost per day and vendor."),
        _dashboard("dashboard-outliers", ("outliers",), "SpeedOutlier", "Weekly speed outliers."),
        _dashboard(
            "dashboard-labeler-profiles", ("labelerOutliers",), "LabelerOutlier", "Labelers flagged for speed/quality."
        ),
        _metrics("metrics-labelers", ("labelers",), "LabelerMetrics", "A metrics slice, one row per labeler."),
        _metrics("metrics-usage", ("cost", "usage"), "UsageRow", "A metrics slice's cost per day and vendor."),
        Table(
            "simulation-summary",
            "A simulation run's summary estimates with their 95% intervals.",
            "run",
            {"runId": "ID!"},
            ("summary",),
            "MetricEstimate",
        ),
        Table(
            "simulation-daily",
            "A simulation run's daily bands: mean, its 95% interval and the 2.5/97.5 percentiles, per series and day.",
            "run",
            {"runId": "ID!"},
            ("result",),
            None,
            rows=_daily_bands,
        ),
    )
}
