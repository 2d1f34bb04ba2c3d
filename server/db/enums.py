"""Enumerations shared by the data model and the GraphQL schema."""

from __future__ import annotations

import enum

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


class WorkforceType(enum.StrEnum):
    FULL_TIME = "FULL_TIME"
    CROWD = "CROWD"
    IN_HOUSE = "IN_HOUSE"


class DataType(enum.StrEnum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    TEXT = "TEXT"
    AUDIO = "AUDIO"
    GEOSPATIAL = "GEOSPATIAL"


class Certification(enum.StrEnum):
    SOC2_TYPE_II = "SOC2_TYPE_II"
    GDPR = "GDPR"
    HIPAA = "HIPAA"


class ChannelKind(enum.StrEnum):
    """How a vendor and the team talk: a shared document, a chat channel, a standing meeting, email."""

    DOCUMENT = "DOCUMENT"
    CHAT = "CHAT"
    MEETING = "MEETING"
    EMAIL = "EMAIL"


class ChannelCadence(enum.StrEnum):
    AS_NEEDED = "AS_NEEDED"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    MONTHLY = "MONTHLY"


class PricingModel(enum.StrEnum):
    HOURLY = "HOURLY"
    PER_LABEL = "PER_LABEL"


class VendorStatus(enum.StrEnum):
    """The vendor pipeline; a vendor moves forward, or is offboarded from any stage."""

    PROSPECT = "PROSPECT"
    TRIAL = "TRIAL"
    ONBOARDED = "ONBOARDED"
    OFFBOARDED = "OFFBOARDED"


class ProjectStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"


class LabelerStage(enum.StrEnum):
    """Onboarding stages in order; OFFBOARDED can be reached from any stage."""

    HIRING = "HIRING"
    PLATFORM_TRAINING = "PLATFORM_TRAINING"
    PROJECT_TRAINING = "PROJECT_TRAINING"
    TESTING = "TESTING"
    PRODUCTION = "PRODUCTION"
    OFFBOARDED = "OFFBOARDED"


class TaskStatus(enum.StrEnum):
    TO_LABEL = "TO_LABEL"
    IN_REVIEW = "IN_REVIEW"
    IN_REWORK = "IN_REWORK"
    DONE = "DONE"


class LabelStatus(enum.StrEnum):
    """A label awaits review, was accepted (thumbs up or no review needed) or rejected and awaits rework."""

    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class ReviewVerdict(enum.StrEnum):
    THUMBS_UP = "THUMBS_UP"
    THUMBS_DOWN = "THUMBS_DOWN"


class IssueStatus(enum.StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"
