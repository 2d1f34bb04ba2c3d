"""Limits on what one request may cost: a query-cost rule, and a per-key token bucket for the request rate.

Query cost (as Saleor computes it): every selected field costs 1, and a Relay connection multiplies what is
selected under it by the page it asks for (`first` or `last`, else the default page size). So
`projects(first: 100) { edges { node { labelers(first: 100) { edges { node { id } } } } } }` costs about
100 x 100 = 10^4 units, and a third nested connection of 100 would cost 10^6 and be refused before it runs.

Rate limit: one token bucket per API key (`RateLimiter`, in this process's memory). A bucket holds `burst` tokens,
refills at `rate` tokens per second, and each request takes one; an empty bucket answers HTTP 429 with
`Retry-After` (seconds until the next token). `server.auth.rate_limit` puts the buckets in Redis when several
server processes must share them, and falls back to these.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import AddValidationRules

__all__ = ["DEFAULT_MAX_COST", "QueryCostLimiter", "RateLimiter", "query_cost"]

DEFAULT_MAX_COST = 50_000
_DEFAULT_PAGE = 50
_MAX_PAGE = 100


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int:
    """The page a connection field asks for; absent or unreadable sizes count as the default page."""
    sizes: list[int] = []
    for argument in field.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            sizes.append(int(value.value))
        elif isinstance(value, VariableNode) and isinstance(variables.get(value.name.value), int):
            sizes.append(int(variables[value.name.value]))
    # Out-of-range sizes are refused by the connection itself; here they must not make a query look cheap.
    return max((min(max(size, 0), _MAX_PAGE) for size in sizes), default=_DEFAULT_PAGE)


def query_cost(context: ValidationContext, operation: OperationDefinitionNode, variables: Mapping[str, Any]) -> int:
    """The cost of one operation (see the module docstring); fragments are expanded, each at most once per path."""
    schema = context.schema
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]

    def selections(
        selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType | None]]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                yield from selections(selection.selection_set, target, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                fragment = context.get_fragment(selection.name.value)
                if fragment is not None:
                    target = schema.get_type(fragment.type_condition.name.value)
                    yield from selections(fragment.selection_set, target, seen | {selection.name.value})

    def cost(selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, seen: frozenset[str]) -> int:
        total = 0
        for field, owner in selections(selection_set, parent, seen):
            field_type: GraphQLNamedType | None = None
            if isinstance(owner, GraphQLObjectType) and field.name.value in owner.fields:
                field_type = get_named_type(owner.fields[field.name.value].type)
            children = cost(field.selection_set, field_type, seen)
            is_connection = field_type is not None and field_type.name.endswith("Connection")
            multiplier = _page_size(field, variables) if is_connection else 1
            total += 1 + multiplier * children
        return total

    return cost(operation.selection_set, root, frozenset())


@lru_cache(maxsize=256)
def _cost_rule(max_cost: int, page_sizes: tuple[tuple[str, int], ...]) -> type[ValidationRule]:
    """One rule class per limit and set of integer variables: equal inputs give the same class, so a validation
    cache keyed by the rules can serve repeated operations."""
    variables = dict(page_sizes)

    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            cost = query_cost(self.context, node, variables)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {max_cost}: ask for smaller pages (first/last) "
                        "or fewer nested connections",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
                    )
                )

    return QueryCostRule


def _integer_variables(variables: Mapping[str, Any] | None) -> tuple[tuple[str, int], ...]:
    """The variables a page size can come from (the cost reads nothing else)."""
    items = (variables or {}).items()
    return tuple(sorted((k, v) for k, v in items if isinstance(v, int) and not isinstance(v, bool)))


class QueryCostLimiter(AddValidationRules):
    """Refuse operations whose cost exceeds `max_cost`, at validation time (nothing runs)."""

    def __init__(self, max_cost: int = DEFAULT_MAX_COST) -> None:
        super().__init__([])
        self.max_cost = max_cost

    def on_operation(self) -> Iterator[None]:
        # The rule needs the request's variables (a page size may be one), so it is built per operation.
        self.validation_rules = [_cost_rule(self.max_cost, _integer_variables(self.execution_context.variables))]
        yield from super().on_operation()


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key; `take(key)` answers 0 when allowed, else the seconds to wait."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate!r}, burst={burst!r}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[Any, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: Any) -> float:
        with self._lock:
            now = self._clock()
            bucket = self._buckets.pop(key, None) or _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets[key] = bucket
            # Keys idle longest go first; a forgotten key comes back with a full bucket, which is harmless.
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
