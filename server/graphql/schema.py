"""The schema: every domain's Query and Mutation classes merged, plus the limits and error masking.

A domain joins the API by adding its classes to `QUERY_TYPES` / `MUTATION_TYPES`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.permission import PermissionExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from server.auth.documents import CheckMutationsFirst
from server.auth.permissions import MayCall
from server.auth.query_limits import DEFAULT_MAX_ALIASES, DEFAULT_MAX_COST, DEFAULT_MAX_DEPTH, QueryLimiter
from server.auth.suggestions import HideSuggestions
from server.graphql.access import AccessMutations, AccessQueries
from server.graphql.alerts import AlertMutations, AlertQueries
from server.graphql.analytics import AnalyticsQueries
from server.graphql.connectors import ConnectorMutations, ConnectorQueries
from server.graphql.delivery import DeliveryMutations, DeliveryQueries
from server.graphql.execution import DirectLeafExecutionContext
from server.graphql.guidelines import GuidelineMutations, GuidelineQueries
from server.graphql.input_guard import InputGuard
from server.graphql.issues.mutations import IssueMutations
from server.graphql.issues.queries import IssueQueries
from server.graphql.labelers.mutations import LabelerMutations
from server.graphql.labelers.queries import LabelerQueries
from server.graphql.labels.mutations import LabelMutations
from server.graphql.labels.queries import LabelQueries
from server.graphql.node_fields import NodeQueries
from server.graphql.planning import PlanningMutations, PlanningQueries, PlanningSubscriptions
from server.graphql.projects.mutations import ProjectMutations
from server.graphql.projects.queries import ProjectQueries
from server.graphql.reviews.mutations import ReviewMutations
from server.graphql.reviews.queries import ReviewQueries
from server.graphql.scalars import SCALAR_OVERRIDES
from server.graphql.stages import StageQueries
from server.graphql.tasks.mutations import TaskMutations
from server.graphql.tasks.queries import TaskQueries
from server.graphql.vendors.channels import ChannelMutations
from server.graphql.vendors.effective_price import EffectivePriceQueries
from server.graphql.vendors.mutations import VendorMutations
from server.graphql.vendors.queries import VendorQueries
from server.services.errors import DomainError

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_TOKENS", "MUTATION_TYPES", "QUERY_TYPES", "build_schema", "schema"]

QUERY_TYPES: tuple[type, ...] = (
    NodeQueries,
    VendorQueries,
    ProjectQueries,
    LabelerQueries,
    TaskQueries,
    LabelQueries,
    ReviewQueries,
    IssueQueries,
    AccessQueries,
    PlanningQueries,
    AnalyticsQueries,
    AlertQueries,
    GuidelineQueries,
    DeliveryQueries,
    StageQueries,
    ConnectorQueries,
    EffectivePriceQueries,
)
MUTATION_TYPES: tuple[type, ...] = (
    VendorMutations,
    ChannelMutations,
    ProjectMutations,
    LabelerMutations,
    TaskMutations,
    LabelMutations,
    ReviewMutations,
    IssueMutations,
    AccessMutations,
    PlanningMutations,
    AlertMutations,
    GuidelineMutations,
    DeliveryMutations,
    ConnectorMutations,
)

MAX_DEPTH = DEFAULT_MAX_DEPTH
MAX_ALIASES = DEFAULT_MAX_ALIASES
MAX_TOKENS = 4000


def should_mask_error(error: GraphQLError) -> bool:
    """Mask only unexpected exceptions: GraphQL validation errors and domain failures are the client's to see."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, GraphQLError | DomainError)


class _Schema(strawberry.Schema):
    """Logs only unexpected errors: a client's bad cursor is not an incident worth a stack trace."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        unexpected = [error for error in errors if should_mask_error(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def _with_access_rules(mutation_type: type) -> type:
    """The Mutation type, once every mutation is known to declare its write rule (fail closed at startup)."""
    undeclared = sorted(
        field.python_name
        for field in get_object_definition(mutation_type, strict=True).fields
        if not any(
            isinstance(extension, PermissionExtension) and any(isinstance(p, MayCall) for p in extension.permissions)
            for extension in field.extensions
        )
    )
    if undeclared:
        raise TypeError(f"mutations without a write rule (declare them with permissions.mutation): {undeclared}")
    return mutation_type


_CACHED_OPERATIONS = 256


def build_schema(*, introspection: bool = True, max_query_cost: int = DEFAULT_MAX_COST) -> strawberry.Schema:
    """The API's schema; without introspection, suggestions are off too (they leak the schema)."""
    extensions: list[type[SchemaExtension] | Any] = [
        # Parsed documents and validation results are cached across requests: every rule class below is built
        # once (the limits rule once per limit and size variables), so equal operations hit the cache. Cost, depth
        # and aliases are one rule measuring each fragment once: Strawberry's depth and alias limiters walk every
        # expansion of nested fragments, exponential in their nesting; a document it refuses is not validated
        # further (some of graphql-core's rules are quadratic in repeated fields).
        partial(ParserCache, maxsize=_CACHED_OPERATIONS),
        partial(ValidationCache, maxsize=_CACHED_OPERATIONS),
        InputGuard,  # after the cache: it adds to the cached validation result, never into it
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(QueryLimiter, max_cost=max_query_cost, max_depth=MAX_DEPTH, max_aliases=MAX_ALIASES),
        partial(MaskErrors, should_mask_error=should_mask_error),
        CheckMutationsFirst,
    ]
    if not introspection:
        extensions += [DisableIntrospection, HideSuggestions]
    return _Schema(
        query=merge_types("Query", QUERY_TYPES),
        mutation=_with_access_rules(merge_types("Mutation", MUTATION_TYPES)),
        subscription=merge_types("Subscription", (PlanningSubscriptions,)),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not introspection),
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=DirectLeafExecutionContext,
    )


schema = build_schema()
