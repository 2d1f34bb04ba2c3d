"""Review mutations: thumbs up or down on a submitted label."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.auth.permissions import PROGRAM_SIDE, mutation
from server.graphql.context import Info
from server.graphql.enums import ReviewVerdict
from server.graphql.errors import MutationError, mutate
from server.graphql.ids import decode_id
from server.graphql.labels.types import LabelNode
from server.graphql.reviews.types import ReviewNode
from server.graphql.tasks.types import TaskNode
from server.services import workflow

__all__ = ["ReviewMutations", "ReviewPayload", "ReviewResult"]


@strawberry.input(description="THUMBS_DOWN needs a comment and sends the task to rework.")
class ReviewLabelInput:
    label_id: relay.GlobalID
    reviewer_id: relay.GlobalID
    verdict: ReviewVerdict
    seconds_to_review: float
    comment: str = ""
    reviewed_at: datetime | None = None


@strawberry.type(description="The review, and the label and task as the verdict left them.")
class ReviewPayload:
    review: ReviewNode
    label: LabelNode
    task: TaskNode


ReviewResult = Annotated[ReviewPayload | MutationError, strawberry.union("ReviewResult")]


@strawberry.type
class ReviewMutations:
    @mutation(
        PROGRAM_SIDE, description="Review a submitted label: thumbs up accepts it, thumbs down sends it to rework."
    )
    async def review_label(self, info: Info, input: ReviewLabelInput) -> ReviewResult:
        async def operation(session: AsyncSession) -> ReviewPayload:
            review = await workflow.review_label(
                session,
                label_id=decode_id(input.label_id, "Label", ("label_id",)),
                reviewer_id=decode_id(input.reviewer_id, "Labeler", ("reviewer_id",)),
                verdict=input.verdict,
                seconds_to_review=input.seconds_to_review,
                comment=input.comment,
                reviewed_at=input.reviewed_at,
            )
            # The review holds its label, and the label its task, as the service left them.
            label, task = review.label, review.label.task
            return ReviewPayload(
                review=ReviewNode.from_model(review), label=LabelNode.from_model(label), task=TaskNode.from_model(task)
            )

        return await mutate(info, operation, short=True)
