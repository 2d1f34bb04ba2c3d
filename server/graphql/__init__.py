"""The GraphQL API: one schema merged from per-domain packages, served by `GraphQLApp`."""

from server.graphql.context import Context
from server.graphql.http import GraphQLApp
from server.graphql.schema import build_schema, schema

__all__ = ["Context", "GraphQLApp", "build_schema", "schema"]
