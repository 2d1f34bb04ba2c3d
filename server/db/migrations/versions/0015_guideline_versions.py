"""versioned guidelines: guideline_versions, their issues, and the version each label was made under

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Version 1 of every project is the ontology and instructions it holds today, and each existing label was made
# under it: the only version there was. Raw rows from raw rows, in SQL, so this stays valid whatever the code
# becomes. The rollups do not depend on versions: nothing derived to refill.
_EMPTY_LIST = {"postgresql": "CAST('[]' AS JSON)"}
_NOTE = "Version 1: the guidelines in force when versioning began."


def upgrade() -> None:
    op.create_table(
        "guideline_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("created_at", server.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("ontology", sa.JSON(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("common_mistakes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "number", name="uq_guideline_versions_project_number"),
    )
    with op.batch_alter_table("guideline_versions", schema=None) as batch_op:
        batch_op.create_index("ix_guideline_versions_project_created", ["project_id", "created_at"], unique=False)
    op.create_table(
        "guideline_version_issues",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["guideline_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "issue_id"),
    )
    with op.batch_alter_table("guideline_version_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guideline_version_issues_issue_id"), ["issue_id"], unique=False)
    # A plain ADD COLUMN, not a batch copy: on SQLite a copy drops `labels`, which reviews and issues reference,
    # and foreign keys cannot be switched off inside the migration's transaction. SQLite takes the reference inline.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE labels ADD COLUMN guideline_version_id INTEGER"
            " CONSTRAINT fk_labels_guideline_version_id REFERENCES guideline_versions (id)"
        )
    else:
        op.add_column("labels", sa.Column("guideline_version_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_labels_guideline_version_id", "labels", "guideline_versions", ["guideline_version_id"], ["id"]
        )
    op.create_index("ix_labels_guideline_version_id", "labels", ["guideline_version_id"], unique=False)

    bind = op.get_bind()
    empty = _EMPTY_LIST.get(bind.dialect.name, "'[]'")
    bind.execute(
        sa.text(
            "INSERT INTO guideline_versions (project_id, number, author, created_at, change_note, ontology,"
            " instructions, examples, common_mistakes)"
            f" SELECT id, 1, 'system', created_at, :note, ontology, instructions, {empty}, {empty} FROM projects"
        ),
        {"note": _NOTE},
    )
    bind.execute(
        sa.text(
            "UPDATE labels SET guideline_version_id = (SELECT guideline_versions.id FROM guideline_versions"
            " JOIN tasks ON tasks.project_id = guideline_versions.project_id"
            " WHERE tasks.id = labels.task_id AND guideline_versions.number = 1)"
        )
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("labels", schema=None) as batch_op:
        if not sqlite:  # SQLite's inline reference has no name to find; the copy leaves it out with its column
            batch_op.drop_constraint("fk_labels_guideline_version_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_labels_guideline_version_id"))
        batch_op.drop_column("guideline_version_id")
    with op.batch_alter_table("guideline_version_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guideline_version_issues_issue_id"))
    op.drop_table("guideline_version_issues")
    with op.batch_alter_table("guideline_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_guideline_versions_project_created")
    op.drop_table("guideline_versions")
