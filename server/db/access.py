"""Who may use the platform: users with a role and a scope, their API keys, and the audit log of mutations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.models import Base, Project
from server.db.types import enum_column_type, utcnow

__all__ = ["ApiKey", "AuditEntry", "AuditOutcome", "Role", "User", "user_projects"]


class Role(enum.StrEnum):
    """What a user may do; the scope columns of `User` say on which records."""

    ADMIN = "ADMIN"
    PROGRAM_MANAGER = "PROGRAM_MANAGER"
    VENDOR_MANAGER = "VENDOR_MANAGER"
    REVIEWER = "REVIEWER"
    LABELER = "LABELER"


class AuditOutcome(enum.StrEnum):
    """How a mutation ended: done, refused as data (a typed error), refused by permissions, or failed."""

    OK = "OK"
    REFUSED = "REFUSED"
    DENIED = "DENIED"
    ERROR = "ERROR"


user_projects = Table(
    "user_projects",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A person (or a script) using the API.

    The scope depends on the role: `projects` for PROGRAM_MANAGER and REVIEWER, `vendor_id` for VENDOR_MANAGER,
    `labeler_id` for LABELER (a REVIEWER may also be linked to the labeler record they review as).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"), default=None)
    labeler_id: Mapped[int | None] = mapped_column(ForeignKey("labelers.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    projects: Mapped[list[Project]] = relationship(secondary=user_projects)
    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiKey(Base):
    """A bearer credential of one user. Only a lookup prefix and a hash of the secret are stored.

    The secret is random (256 bits), so one SHA-256 is enough: a slow password hash protects guessable
    secrets, and this one is not guessable.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(back_populates="api_keys")


class AuditEntry(Base):
    """One mutation attempt: who, which operation with which (redacted) arguments, how it ended, when, from where."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_operation_created", "operation", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), default=None)
    operation: Mapped[str] = mapped_column(String(200))
    operation_name: Mapped[str | None] = mapped_column(String(200), default=None)
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column_type(AuditOutcome))
    result_type: Mapped[str | None] = mapped_column(String(200), default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
