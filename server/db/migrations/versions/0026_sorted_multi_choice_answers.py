"""store multi-choice answers with their choices sorted

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from server.db.types import canonical_answer_text

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# No schema change. A multi-choice field is a set, but answers submitted over GraphQL kept the client's order of its
# choices, so `["b", "a"]` and `["a", "b"]` counted as a disagreement (and a wrong benchmark answer). Answers are now
# stored with the choices sorted (`OntologySpec.stored_answer`, restated here as migrations use no application
# code); the stored ones are rewritten here, under every
# field any of the project's ontologies (its own and its guideline versions') types as multi-choice, and the
# consensus and benchmark rollups, which count by the stored text, are refilled by the code at head.
REBUILDS_DERIVED_TABLES = True

_BATCH = 5000


def _multi_choice_names(ontology: Any) -> set[str]:
    """The fields an ontology's list form types as multi-choice (the single-field form has none)."""
    fields = ontology.get("fields") if isinstance(ontology, dict) else None
    if not isinstance(fields, list):
        return set()
    return {
        field["name"]
        for field in fields
        if isinstance(field, dict) and field.get("kind") == "multi_choice" and isinstance(field.get("name"), str)
    }


def _sorted_choices(answer: Any, names: frozenset[str]) -> Any:
    if not isinstance(answer, dict):
        return answer
    stored = dict(answer)
    for name in names:
        value = answer.get(name)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            stored[name] = sorted(value)
    return stored


def _typed_projects(bind: sa.Connection) -> dict[int, frozenset[str]]:
    """Each project whose ontologies type a multi-choice field, with those fields."""
    names: dict[int, set[str]] = {}
    for statement in (
        "SELECT id, CAST(ontology AS TEXT) FROM projects",
        "SELECT project_id, CAST(ontology AS TEXT) FROM guideline_versions",
    ):
        for project_id, text in bind.execute(sa.text(statement)):
            names.setdefault(project_id, set()).update(_multi_choice_names(json.loads(text) if text else None))
    return {project_id: frozenset(found) for project_id, found in names.items() if found}


def upgrade() -> None:
    bind = op.get_bind()
    value = "CAST(:text AS json)" if bind.dialect.name == "postgresql" else ":text"
    for project_id, names in _typed_projects(bind).items():
        for table, column, select in (
            (
                "labels",
                "answer",
                "SELECT labels.id, CAST(labels.answer AS TEXT) FROM labels JOIN tasks ON tasks.id = labels.task_id"
                " WHERE tasks.project_id = :project AND labels.id > :after AND labels.answer IS NOT NULL"
                f" ORDER BY labels.id LIMIT {_BATCH}",
            ),
            (
                "tasks",
                "gold_answer",
                "SELECT id, CAST(gold_answer AS TEXT) FROM tasks"
                " WHERE project_id = :project AND id > :after AND gold_answer IS NOT NULL"
                f" ORDER BY id LIMIT {_BATCH}",
            ),
        ):
            update = sa.text(f"UPDATE {table} SET {column} = {value} WHERE id = :id")
            after = 0
            while rows := bind.execute(sa.text(select), {"project": project_id, "after": after}).all():
                after = rows[-1][0]
                changed = [
                    {"id": row_id, "text": stored_text}
                    for row_id, text in rows
                    if (stored_text := canonical_answer_text(_sorted_choices(json.loads(text), names))) != text
                ]
                if changed:
                    bind.execute(update, changed)


def downgrade() -> None:
    # A sorted list of choices is a valid stored answer for the code before this revision: nothing to undo.
    pass
