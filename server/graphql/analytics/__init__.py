"""The analytics domain of the API: dashboards and operations metrics."""

from __future__ import annotations

from server.graphql.analytics.queries import AnalyticsQueries

__all__ = ["AnalyticsQueries"]
