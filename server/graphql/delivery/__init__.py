"""Delivery plans: milestones, expected time per task and budget checkpoints, and delivery against them."""

from server.graphql.delivery.schema import DeliveryMutations, DeliveryQueries

__all__ = ["DeliveryMutations", "DeliveryQueries"]
