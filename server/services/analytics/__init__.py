"""Operations analytics: quality, speed, cost and forecast metrics of labeling work, aggregated in SQL."""

from __future__ import annotations

from server.services.analytics.agreement import Agreement, ProjectAgreement, fetch_agreement
from server.services.analytics.cost import Budget, CostMetrics, UsageRow, cost_metrics
from server.services.analytics.dashboard import DASHBOARD_STATEMENTS, ProjectDashboard, project_dashboard
from server.services.analytics.forecast import CompletionForecast, SlaAttainment, completion_forecast
from server.services.analytics.outliers import OutlierRow, fetch_outliers
from server.services.analytics.quality import IssueCounts, QualityMetrics, fetch_issues, quality_metrics
from server.services.analytics.scope import Scope
from server.services.analytics.speed import LearningCurve, SpeedMetrics, speed_metrics

__all__ = [
    "DASHBOARD_STATEMENTS",
    "Agreement",
    "Budget",
    "CompletionForecast",
    "CostMetrics",
    "IssueCounts",
    "LearningCurve",
    "OutlierRow",
    "ProjectAgreement",
    "ProjectDashboard",
    "QualityMetrics",
    "Scope",
    "SlaAttainment",
    "SpeedMetrics",
    "UsageRow",
    "completion_forecast",
    "cost_metrics",
    "fetch_agreement",
    "fetch_issues",
    "fetch_outliers",
    "project_dashboard",
    "quality_metrics",
    "speed_metrics",
]
