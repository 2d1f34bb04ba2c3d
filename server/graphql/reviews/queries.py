"""Review queries: the filtered, ordered connection and the lookup by id."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from server.db.models import Review
from server.graphql.context import Info
from server.graphql.ids import decode_id
from server.graphql.node_loading import lookup_node
from server.graphql.pagination import PageArgs, filtered_connection
from server.graphql.reviews.loaders import reviews_by_id
from server.graphql.reviews.types import ReviewConnection, ReviewFilter, ReviewNode, ReviewOrder
from server.services.crud.checks import check_aware

__all__ = ["ReviewQueries"]


@strawberry.type
class ReviewQueries:
    @strawberry.field(description="Reviews, filtered by verdict, label, reviewer and time window.")
    async def reviews(
        self,
        info: Info,
        filter: ReviewFilter | None = None,
        order_by: ReviewOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ReviewConnection:
        return await filtered_connection(
            info,
            Review,
            filter=filter,
            conditions=_conditions,
            order=order_by or ReviewOrder(),
            args=PageArgs(first, after, last, before),
            to_node=ReviewNode.from_model,
            connection=ReviewConnection,
        )

    @strawberry.field(description="One review by global id; null when it does not exist.")
    async def review(self, info: Info, id: relay.GlobalID) -> ReviewNode | None:
        return await lookup_node(info, id, "Review", reviews_by_id, ReviewNode.from_model)


def _conditions(filter: ReviewFilter) -> list[Any]:
    conditions: list[Any] = []
    if filter.verdict is not None:
        conditions.append(Review.verdict == filter.verdict)
    if filter.label_id is not None:
        conditions.append(Review.label_id == decode_id(filter.label_id, "Label", ("filter", "label_id")))
    if filter.reviewer_id is not None:
        conditions.append(Review.reviewer_id == decode_id(filter.reviewer_id, "Labeler", ("filter", "reviewer_id")))
    if filter.created_after is not None:
        conditions.append(Review.created_at >= check_aware(("filter", "created_after"), filter.created_after))
    if filter.created_before is not None:
        conditions.append(Review.created_at < check_aware(("filter", "created_before"), filter.created_before))
    return conditions
