"""The data model of labeling operations: vendors, projects, labelers, tasks, labels, reviews, issues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from server.db.enums import (
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
from server.db.types import AnswerJSON, UTCDateTime, enum_column_type, utcnow

__all__ = [
    "CURRENT_MONEY",
    "Base",
    "Comment",
    "Issue",
    "Label",
    "Labeler",
    "LabelerStageEvent",
    "Project",
    "ProjectMembership",
    "Review",
    "Task",
    "Vendor",
    "project_vendors",
]


# Money columns hold exact decimals (to 1/10000); these current values reach Python as floats, which the API serves.
# The rate history (`server.db.rates`) keeps its rates as Decimal. SQLite has no exact decimal storage (a NUMERIC
# column keeps 0.085 as a REAL), and changing a column's declared type there means copying the table, which its
# foreign keys forbid with rows in place, so these columns stay FLOAT on SQLite.
CURRENT_MONEY = Numeric(14, 4, asdecimal=False).with_variant(Float(), "sqlite")


# Constraint names as PostgreSQL gives them by default, so the names the early migrations left unset and the names
# the models now state agree, and every later migration names its constraints the same way on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        Any: JSON(),
    }


class _Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class _Archivable:
    """Archiving hides a record from default listings but keeps its history for metrics."""

    archived_at: Mapped[datetime | None] = mapped_column(default=None)


project_vendors = Table(
    "project_vendors",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("vendor_id", ForeignKey("vendors.id", ondelete="CASCADE"), primary_key=True),
)


class Vendor(_Timestamped, _Archivable, Base):
    """A workforce provider, from prospect through trial to onboarded (or offboarded)."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    workforce_type: Mapped[WorkforceType] = mapped_column(enum_column_type(WorkforceType))
    data_types: Mapped[list[str]] = mapped_column(default=list)
    industries: Mapped[list[str]] = mapped_column(default=list)
    specialist_skills: Mapped[list[str]] = mapped_column(default=list)
    certifications: Mapped[list[str]] = mapped_column(default=list)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    pricing_model: Mapped[PricingModel] = mapped_column(enum_column_type(PricingModel))
    rate: Mapped[float] = mapped_column(CURRENT_MONEY)  # the latest set; costs use `server.db.rates`
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    kickoff_days: Mapped[int] = mapped_column(Integer, default=14)
    status: Mapped[VendorStatus] = mapped_column(enum_column_type(VendorStatus), default=VendorStatus.PROSPECT)
    trial_quality: Mapped[float | None] = mapped_column(Float, default=None)
    trial_labels_per_hour: Mapped[float | None] = mapped_column(Float, default=None)
    trial_notes: Mapped[str | None] = mapped_column(Text, default=None)
    # Vetting answers; None where the vendor has not said.
    available_days_per_week: Mapped[int | None] = mapped_column(Integer, default=None)
    available_hours_per_day: Mapped[float | None] = mapped_column(Float, default=None)
    languages: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    communication_style: Mapped[str | None] = mapped_column(Text, default=None)
    response_hours: Mapped[float | None] = mapped_column(Float, default=None)

    labelers: Mapped[list[Labeler]] = relationship(back_populates="vendor")
    projects: Mapped[list[Project]] = relationship(secondary=project_vendors, back_populates="vendors")


class Project(_Timestamped, _Archivable, Base):
    """A labeling project: what to label, how well, how fast, for how much."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    data_type: Mapped[DataType] = mapped_column(enum_column_type(DataType))
    ontology: Mapped[dict[str, Any]] = mapped_column(default=dict)
    instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(enum_column_type(ProjectStatus), default=ProjectStatus.DRAFT)
    quality_target: Mapped[float] = mapped_column(Float, default=0.95)
    sla_turnaround_hours: Mapped[float] = mapped_column(Float, default=48.0)
    sla_target_share: Mapped[float] = mapped_column(Float, default=0.95)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    budget: Mapped[float | None] = mapped_column(CURRENT_MONEY, default=None)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    consensus_labels_per_task: Mapped[int] = mapped_column(Integer, default=1)
    consensus_coverage: Mapped[float] = mapped_column(Float, default=0.0)
    benchmark_rate: Mapped[float] = mapped_column(Float, default=0.0)
    review_share: Mapped[float] = mapped_column(Float, default=1.0)

    vendors: Mapped[list[Vendor]] = relationship(secondary=project_vendors, back_populates="projects")
    memberships: Mapped[list[ProjectMembership]] = relationship(back_populates="project", cascade="all, delete-orphan")
    tasks: Mapped[list[Task]] = relationship(back_populates="project")


class Labeler(_Timestamped, _Archivable, Base):
    """One person labeling (or reviewing) for a vendor, moving through onboarding stages."""

    __tablename__ = "labelers"
    __table_args__ = (Index("uq_labelers_vendor_external_id", "vendor_id", "external_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    # The source's own id of an imported labeler (see server.connectors); None for labelers made here.
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True, default=None)
    stage: Mapped[LabelerStage] = mapped_column(enum_column_type(LabelerStage), default=LabelerStage.HIRING)
    hourly_rate: Mapped[float] = mapped_column(CURRENT_MONEY, default=0.0)  # the latest set; see `server.db.rates`
    skills: Mapped[list[str]] = mapped_column(default=list)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")

    vendor: Mapped[Vendor] = relationship(back_populates="labelers")
    stage_events: Mapped[list[LabelerStageEvent]] = relationship(
        back_populates="labeler", cascade="all, delete-orphan", order_by="LabelerStageEvent.entered_at"
    )
    memberships: Mapped[list[ProjectMembership]] = relationship(back_populates="labeler", cascade="all, delete-orphan")


class LabelerStageEvent(Base):
    """A labeler entering a stage: the timestamped stage history."""

    __tablename__ = "labeler_stage_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), index=True)
    stage: Mapped[LabelerStage] = mapped_column(enum_column_type(LabelerStage))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    labeler: Mapped[Labeler] = relationship(back_populates="stage_events")


class ProjectMembership(Base):
    """A labeler assigned to a project."""

    __tablename__ = "project_memberships"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="memberships")
    labeler: Mapped[Labeler] = relationship(back_populates="memberships")


class Task(_Archivable, Base):
    """An asset to label. `created_at` and `due_at` are business times, set by whoever loads the work."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "external_id", name="uq_tasks_project_external_id"),
        # Both cover the task-flow statement of the dashboard (open tasks by status; completions with their
        # turnaround), so it reads no task rows; the (project, labels_required) one narrows consensus agreement.
        Index("ix_tasks_project_status_created", "project_id", "status", "created_at", "archived_at"),
        Index("ix_tasks_project_created", "project_id", "created_at"),
        Index("ix_tasks_project_completed_created", "project_id", "completed_at", "created_at"),
        Index("ix_tasks_project_consensus", "project_id", "labels_required"),
        # The unfiltered task list: pages in (created_at, id) order, and its count (all less the archived).
        Index("ix_tasks_created_id", "created_at", "id"),
        # Partial: only the archived rows, so it never competes with the (created_at, id) order for live rows.
        Index(
            "ix_tasks_archived",
            "archived_at",
            sqlite_where=text("archived_at IS NOT NULL"),
            postgresql_where=text("archived_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    payload_ref: Mapped[str] = mapped_column(String(2000), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[TaskStatus] = mapped_column(enum_column_type(TaskStatus), default=TaskStatus.TO_LABEL)
    labels_required: Mapped[int] = mapped_column(Integer, default=1)
    is_benchmark: Mapped[bool] = mapped_column(Boolean, default=False)
    # SQL NULL, not JSON null, when there is no gold answer, so `IS NULL` finds non-benchmark tasks.
    gold_answer: Mapped[Any | None] = mapped_column(AnswerJSON(none_as_null=True), default=None)

    project: Mapped[Project] = relationship(back_populates="tasks")
    labels: Mapped[list[Label]] = relationship(back_populates="task")


class Label(Base):
    """One labeler's answer to one task; rework revises the same label and adds to its rework time."""

    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("task_id", "labeler_id", name="uq_labels_task_labeler"),
        Index("ix_labels_labeler_submitted", "labeler_id", "submitted_at"),
        Index("ix_labels_submitted", "submitted_at"),
        Index("uq_labels_task_external_id", "task_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (task_id, labeler_id) and (task_id, external_id) ones lead with it.
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id"))
    answer: Mapped[Any] = mapped_column(AnswerJSON())
    # An imported label's id and answer as its source has them (`answer` is the comparable form).
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    source_result: Mapped[Any | None] = mapped_column(JSON(none_as_null=True), default=None)
    status: Mapped[LabelStatus] = mapped_column(enum_column_type(LabelStatus), default=LabelStatus.SUBMITTED)
    started_at: Mapped[datetime] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column()
    seconds_to_label: Mapped[float] = mapped_column(Float)
    rework_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    # The guidelines the label was made under (server.db.guidelines); NULL only for labels no version covers.
    guideline_version_id: Mapped[int | None] = mapped_column(
        # Named as migration 0015 created it, before the naming convention.
        ForeignKey("guideline_versions.id", name="fk_labels_guideline_version_id"),
        default=None,
        index=True,
    )

    task: Mapped[Task] = relationship(back_populates="labels")
    labeler: Mapped[Labeler] = relationship()
    reviews: Mapped[list[Review]] = relationship(back_populates="label", order_by="Review.created_at")


class Review(Base):
    """A reviewer's thumbs up or down on a label; thumbs down sends the task to rework."""

    __tablename__ = "reviews"
    # Windows cut inside days read the reviewers' labour from the reviews by their time.
    __table_args__ = (
        Index("ix_reviews_created", "created_at"),
        Index("uq_reviews_label_external_id", "label_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("labelers.id"), index=True)
    verdict: Mapped[ReviewVerdict] = mapped_column(enum_column_type(ReviewVerdict))
    seconds_to_review: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    label: Mapped[Label] = relationship(back_populates="reviews")
    reviewer: Mapped[Labeler] = relationship()


class Issue(_Timestamped, Base):
    """A question or problem raised on a task or a label, discussed in comments until resolved."""

    __tablename__ = "issues"
    __table_args__ = (Index("ix_issues_project_status", "project_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), default=None, index=True)
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"), default=None, index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("labelers.id"), default=None)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[IssueStatus] = mapped_column(enum_column_type(IssueStatus), default=IssueStatus.OPEN)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")

    comments: Mapped[list[Comment]] = relationship(
        back_populates="issue", cascade="all, delete-orphan", order_by="Comment.created_at"
    )


class Comment(Base):
    """One message in an issue thread."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("labelers.id"), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    issue: Mapped[Issue] = relationship(back_populates="comments")
