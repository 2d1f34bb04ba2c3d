"""`GET /export/<table>.csv?<parameters>`: a table of the API as a CSV download, and `GET /export` listing them.

Mounted behind the same access guard as `/graphql` (API key, rate limit, timeout), it runs the table's GraphQL
query as the caller (see `tables`), then streams the rows as CSV with a `Content-Disposition: attachment` name.
Failures answer in the GraphQL error shape: 400 for bad parameters, 403 when the key's role may not, 404 for a
table, project, vendor or run that does not exist or is out of the key's scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLSchema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from strawberry.schema.base import BaseSchema

from server.auth.identity import viewer_from_request
from server.db import Database
from server.exports.csv_stream import csv_chunks
from server.exports.tables import TABLES, Table, columns
from server.graphql.context import Context
from server.settings import Settings

__all__ = ["ExportApp"]

_SUFFIX = ".csv"


def _error(status: int, message: str, code: str, field: str | None = None) -> JSONResponse:
    extensions: dict[str, Any] = {"code": code}
    if field is not None:
        extensions["field"] = field
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status_code=status)


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class ExportApp:
    """The ASGI app behind the guard; `schema` is the one `/graphql` serves (same limits, same masking)."""

    def __init__(self, database: Database, settings: Settings, schema: BaseSchema) -> None:
        self.database = database
        self.settings = settings
        self.schema = schema
        self.graphql_schema: GraphQLSchema = schema._schema  # type: ignore[attr-defined]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self._respond(request)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        name = request.path_params.get("name")
        if name is None:
            return JSONResponse({"tables": [self._describe(table) for table in TABLES.values()]})
        table = TABLES.get(name.removesuffix(_SUFFIX)) if name.endswith(_SUFFIX) else None
        if table is None:
            known = ", ".join(f"{key}{_SUFFIX}" for key in TABLES)
            return _error(404, f"no export named {name!r}; there are {known}", "NOT_FOUND", "table")
        variables: dict[str, str] = {}
        for key, given in request.query_params.multi_items():
            if key not in table.parameters:
                allowed = ", ".join(table.parameters)
                return _error(400, f"{name} takes {allowed}; got {key!r}", "BAD_REQUEST", key)
            if key in variables:
                return _error(400, f"{key} given twice", "BAD_REQUEST", key)
            variables[key] = given
        context = Context(self.database, self.settings, request=request, viewer=viewer_from_request(request))
        result = await self.schema.execute(
            table.operation(self.graphql_schema), variable_values=variables, context_value=context
        )
        if result.errors:
            first = result.errors[0]
            code = (first.extensions or {}).get("code", "BAD_REQUEST")
            status = {"FORBIDDEN": 403, "NOT_FOUND": 404}.get(code, 400)
            return _error(status, first.message, code)
        value = (result.data or {}).get(table.root)
        if value is None:
            return _error(404, f"{table.root} {variables.get('runId')!r} does not exist", "NOT_FOUND", "runId")
        if table.result_type is not None and value.get("__typename") != table.result_type:
            status = 404 if value.get("__typename") == "NotFoundError" else 400
            code = "NOT_FOUND" if status == 404 else "BAD_REQUEST"
            return _error(status, value.get("message", "refused"), code, value.get("field"))
        found = _dig(value, table.path)
        if table.rows is not None:
            header, rows = table.rows(found)
        else:
            assert table.row_type is not None
            layout = columns(self.graphql_schema, table.row_type)
            header = [heading for heading, _ in layout]
            rows = [[_dig(row, path) for _, path in layout] for row in found or []]
        filename = f"labelops-{table.name}.csv"
        return StreamingResponse(
            _body(header, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    def _describe(self, table: Table) -> dict[str, Any]:
        layout = (
            [] if table.row_type is None else [heading for heading, _ in columns(self.graphql_schema, table.row_type)]
        )
        return {
            "name": table.name,
            "path": f"/export/{table.name}{_SUFFIX}",
            "description": table.description,
            "parameters": table.parameters,
            "columns": layout or None,
        }


def _body(header: list[str], rows: list[list[Any]]) -> Iterator[bytes]:
    yield from csv_chunks(header, rows)
