"""Versioned labeling guidelines: a project's ontology and instructions as numbered, immutable versions.

A version is what labelers were told at one time: the ontology (the answer's typed fields), the written
instructions, worked examples and common mistakes, with who changed it, when and why. Editing publishes a new
version; rows are never updated (an ORM update is refused), so a label's `guideline_version_id` keeps pointing at
exactly the rules it was made under. `guideline_version_issues` links a version to the issues that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.db.models import Base
from server.db.types import utcnow

__all__ = ["GuidelineVersion", "ImmutableVersion", "guideline_version_issues"]


class ImmutableVersion(Exception):
    """Raised on an attempt to change a stored guideline version: history is append-only."""


class GuidelineVersion(Base):
    """One published version of a project's guidelines."""

    __tablename__ = "guideline_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_guideline_versions_project_number"),
        # The version in force at a time: the newest of the project created at or before it.
        Index("ix_guideline_versions_project_created", "project_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(320), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    change_note: Mapped[str] = mapped_column(Text, default="")
    ontology: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    instructions: Mapped[str] = mapped_column(Text, default="")
    # [{"input": str, "answer": JSON, "explanation": str}]
    examples: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"mistake": str, "correction": str}]
    common_mistakes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


guideline_version_issues = Table(
    "guideline_version_issues",
    Base.metadata,
    Column("version_id", ForeignKey("guideline_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("issue_id", ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True, index=True),
)


@event.listens_for(Session, "before_flush")
def _refuse_changed_versions(session: Session, _context: Any, _instances: Any) -> None:
    for row in session.dirty:
        if isinstance(row, GuidelineVersion) and session.is_modified(row, include_collections=False):
            raise ImmutableVersion(f"guideline version {row.id} is immutable: publish a new version instead")
