"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "data_type",
            sa.Enum("IMAGE", "VIDEO", "TEXT", "AUDIO", "GEOSPATIAL", name="datatype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("ontology", sa.JSON(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "ACTIVE", "PAUSED", "COMPLETED", name="projectstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("quality_target", sa.Float(), nullable=False),
        sa.Column("sla_turnaround_hours", sa.Float(), nullable=False),
        sa.Column("sla_target_share", sa.Float(), nullable=False),
        sa.Column("deadline", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("consensus_labels_per_task", sa.Integer(), nullable=False),
        sa.Column("consensus_coverage", sa.Float(), nullable=False),
        sa.Column("benchmark_rate", sa.Float(), nullable=False),
        sa.Column("review_share", sa.Float(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "workforce_type",
            sa.Enum("FULL_TIME", "CROWD", "IN_HOUSE", name="workforcetype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("data_types", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("specialist_skills", sa.JSON(), nullable=False),
        sa.Column("certifications", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "pricing_model",
            sa.Enum("HOURLY", "PER_LABEL", name="pricingmodel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kickoff_days", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("PROSPECT", "TRIAL", "ONBOARDED", "OFFBOARDED", name="vendorstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("trial_quality", sa.Float(), nullable=True),
        sa.Column("trial_labels_per_hour", sa.Float(), nullable=True),
        sa.Column("trial_notes", sa.Text(), nullable=True),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "labelers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "stage",
            sa.Enum(
                "HIRING",
                "PLATFORM_TRAINING",
                "PROJECT_TRAINING",
                "TESTING",
                "PRODUCTION",
                "OFFBOARDED",
                name="labelerstage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("hourly_rate", sa.Float(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendors.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("labelers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labelers_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "project_vendors",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "vendor_id"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("payload_ref", sa.String(length=2000), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum("TO_LABEL", "IN_REVIEW", "IN_REWORK", "DONE", name="taskstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("labels_required", sa.Integer(), nullable=False),
        sa.Column("is_benchmark", sa.Boolean(), nullable=False),
        sa.Column("gold_answer", sa.JSON(), nullable=True),
        sa.Column("archived_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "external_id", name="uq_tasks_project_external_id"),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_project_created", ["project_id", "created_at"], unique=False)
        batch_op.create_index("ix_tasks_project_status", ["project_id", "status"], unique=False)

    op.create_table(
        "labeler_stage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("labeler_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "HIRING",
                "PLATFORM_TRAINING",
                "PROJECT_TRAINING",
                "TESTING",
                "PRODUCTION",
                "OFFBOARDED",
                name="labelerstage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("entered_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["labeler_id"], ["labelers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("labeler_stage_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labeler_stage_events_labeler_id"), ["labeler_id"], unique=False)

    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("labeler_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("SUBMITTED", "ACCEPTED", "REJECTED", name="labelstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("started_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds_to_label", sa.Float(), nullable=False),
        sa.Column("rework_seconds", sa.Float(), nullable=False),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["labeler_id"],
            ["labelers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "labeler_id", name="uq_labels_task_labeler"),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index("ix_labels_labeler_submitted", ["labeler_id", "submitted_at"], unique=False)
        batch_op.create_index("ix_labels_submitted", ["submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_labels_task_id"), ["task_id"], unique=False)

    op.create_table(
        "project_memberships",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("labeler_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["labeler_id"], ["labelers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "labeler_id"),
    )
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("label_id", sa.Integer(), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "status", sa.Enum("OPEN", "RESOLVED", name="issuestatus", native_enum=False, length=32), nullable=False
        ),
        sa.Column("resolved_at", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"],
            ["labelers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issues_label_id"), ["label_id"], unique=False)
        batch_op.create_index("ix_issues_project_status", ["project_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_task_id"), ["task_id"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum("THUMBS_UP", "THUMBS_DOWN", name="reviewverdict", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("seconds_to_review", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["labelers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_label_id"), ["label_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_reviewer_id"), ["reviewer_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["labelers.id"],
        ),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_issue_id"), ["issue_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_issue_id"))

    op.drop_table("comments")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_label_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_task_id"))
        batch_op.drop_index("ix_issues_project_status")
        batch_op.drop_index(batch_op.f("ix_issues_label_id"))

    op.drop_table("issues")
    op.drop_table("project_memberships")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labels_task_id"))
        batch_op.drop_index("ix_labels_submitted")
        batch_op.drop_index("ix_labels_labeler_submitted")

    op.drop_table("labels")
    with op.batch_alter_table("labeler_stage_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labeler_stage_events_labeler_id"))

    op.drop_table("labeler_stage_events")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_project_status")
        batch_op.drop_index("ix_tasks_project_created")

    op.drop_table("tasks")
    op.drop_table("project_vendors")
    with op.batch_alter_table("labelers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labelers_vendor_id"))

    op.drop_table("labelers")
    op.drop_table("vendors")
    op.drop_table("projects")
