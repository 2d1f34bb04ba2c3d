"""GraphQL types of reviews: the node with its label and reviewer; connection, filter, ordering."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from server.db import models
from server.graphql.context import Info
from server.graphql.enums import ReviewVerdict
from server.graphql.node_loading import load_node, resolve_nodes_with
from server.graphql.pagination import OrderDirection
from server.graphql.reviews.loaders import reviews_by_id

if TYPE_CHECKING:
    from server.graphql.labelers.types import LabelerNode
    from server.graphql.labels.types import LabelNode

__all__ = ["ReviewConnection", "ReviewFilter", "ReviewNode", "ReviewOrder", "ReviewOrderField"]


@strawberry.type(name="Review", description="A reviewer's thumbs up or down on a label.")
class ReviewNode(relay.Node):
    id: relay.NodeID[int]
    verdict: ReviewVerdict
    seconds_to_review: float
    comment: str
    created_at: datetime
    label_id: strawberry.Private[int]
    reviewer_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Review) -> Self:
        return cls(
            id=row.id,
            verdict=row.verdict,
            seconds_to_review=row.seconds_to_review,
            comment=row.comment,
            created_at=row.created_at,
            label_id=row.label_id,
            reviewer_id=row.reviewer_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await resolve_nodes_with(info, reviews_by_id, node_ids, cls.from_model, required=required)

    @strawberry.field
    async def label(self, info: Info) -> Annotated[LabelNode, strawberry.lazy("server.graphql.labels.types")]:
        from server.graphql.labels.loaders import labels_by_id
        from server.graphql.labels.types import LabelNode

        return await load_node(info, labels_by_id, self.label_id, LabelNode.from_model)

    @strawberry.field
    async def reviewer(self, info: Info) -> Annotated[LabelerNode, strawberry.lazy("server.graphql.labelers.types")]:
        from server.graphql.labelers.loaders import labelers_by_id
        from server.graphql.labelers.types import LabelerNode

        return await load_node(info, labelers_by_id, self.reviewer_id, LabelerNode.from_model)


@strawberry.type(name="ReviewConnection")
class ReviewConnection(relay.Connection[ReviewNode]):
    total_count: int


@strawberry.enum
class ReviewOrderField(enum.Enum):
    CREATED_AT = "created_at"
    SECONDS_TO_REVIEW = "seconds_to_review"


@strawberry.input
class ReviewOrder:
    field: ReviewOrderField = ReviewOrderField.CREATED_AT
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="Every given criterion must hold; the time window is [createdAfter, createdBefore).")
class ReviewFilter:
    verdict: ReviewVerdict | None = None
    label_id: relay.GlobalID | None = None
    reviewer_id: relay.GlobalID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
