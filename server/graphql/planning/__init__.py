"""Planning over GraphQL: scenarios, simulation runs, feasibility, cheapest plans, what-ifs, calibration."""

from server.graphql.planning.mutations import PlanningMutations
from server.graphql.planning.queries import PlanningQueries
from server.graphql.planning.subscriptions import PlanningSubscriptions

__all__ = ["PlanningMutations", "PlanningQueries", "PlanningSubscriptions"]
