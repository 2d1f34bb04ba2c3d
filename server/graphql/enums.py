"""The data model's enumerations, registered once as GraphQL enums."""

from __future__ import annotations

import strawberry

from server.db.enums import (
    Certification,
    ChannelCadence,
    ChannelKind,
    DataType,
    IssueStatus,
    LabelerStage,
    LabelStatus,
    PricingModel,
    ProjectStatus,
    ReviewVerdict,
    TaskStatus,
    VendorStatus,
    WorkforceType,
)

__all__ = [
    "Certification",
    "ChannelCadence",
    "ChannelKind",
    "DataType",
    "IssueStatus",
    "LabelStatus",
    "LabelerStage",
    "PricingModel",
    "ProjectStatus",
    "ReviewVerdict",
    "TaskStatus",
    "VendorStatus",
    "WorkforceType",
]

for _enum in (
    Certification,
    ChannelCadence,
    ChannelKind,
    DataType,
    IssueStatus,
    LabelerStage,
    LabelStatus,
    PricingModel,
    ProjectStatus,
    ReviewVerdict,
    TaskStatus,
    VendorStatus,
    WorkforceType,
):
    strawberry.enum(_enum)
