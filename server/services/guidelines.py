"""Publishing guideline versions, finding the version in force at a time, and stamping labels with it.

A project's `ontology` and `instructions` columns mirror its newest version, so readers that predate versioning
see the current guidelines. Every change goes through `publish_version`: the project row is locked (two editors
get consecutive numbers, not a duplicate), the new version's ontology is checked, the examples' answers are
checked against it, and the issues that caused the change are linked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.db.guidelines import GuidelineVersion, guideline_version_issues
from server.db.models import Issue, Label, Project, Task
from server.db.types import utcnow
from server.services.crud.checks import check_aware
from server.services.errors import NotFound, Path, ValidationFailed
from server.services.ontology import OntologySpec, parse_ontology

__all__ = [
    "GuidelineChange",
    "checked_answer",
    "fill_label_versions",
    "publish_version",
    "stored_answer",
    "version_in_force",
]

_MAX_TEXT = 100_000
_MAX_ITEMS = 200


@dataclass(frozen=True)
class GuidelineChange:
    """What a new version changes; None keeps the current version's value."""

    change_note: str
    ontology: dict[str, Any] | None = None
    instructions: str | None = None
    examples: list[dict[str, Any]] | None = None
    common_mistakes: list[dict[str, Any]] | None = None
    issue_ids: tuple[int, ...] = ()
    created_at: datetime | None = None  # business time of the change; default now (imports set it)


async def publish_version(
    session: AsyncSession, project_id: int, change: GuidelineChange, *, author: str, path: Path = ()
) -> GuidelineVersion:
    """Append the next version of a project's guidelines and make it the project's current ontology and
    instructions. Raises NotFound (project, issue) and ValidationFailed naming the field and value."""
    project = await session.get(Project, project_id, with_for_update=True, populate_existing=True)
    if project is None:
        raise NotFound("Project", project_id, path=(*path, "project_id"))
    current = await _newest(session, project_id)
    ontology = project.ontology if change.ontology is None else change.ontology
    spec = parse_ontology(ontology, path=(*path, "ontology"))
    instructions = project.instructions if change.instructions is None else change.instructions
    if len(instructions) > _MAX_TEXT:
        raise ValidationFailed(
            f"{path}.instructions", f"{len(instructions)} characters", f"must be at most {_MAX_TEXT}"
        )
    examples = _examples(
        (*path, "examples"),
        (current.examples if current else []) if change.examples is None else change.examples,
        spec,
    )
    mistakes = _mistakes(
        (*path, "common_mistakes"),
        (current.common_mistakes if current else []) if change.common_mistakes is None else change.common_mistakes,
    )
    note = change.change_note.strip()
    if current is not None and not note:
        raise ValidationFailed((*path, "change_note"), change.change_note, "must say what changed and why")
    at = utcnow() if change.created_at is None else check_aware((*path, "created_at"), change.created_at)
    if current is not None and at < current.created_at:
        raise ValidationFailed(
            f"{path}.createdAt", at.isoformat(), f"must not be before version {current.number} ({current.created_at})"
        )
    version = GuidelineVersion(
        project_id=project_id,
        number=1 if current is None else current.number + 1,
        author=author,
        created_at=at,
        change_note=note,
        ontology=ontology,
        instructions=instructions,
        examples=examples,
        common_mistakes=mistakes,
    )
    session.add(version)
    await session.flush()
    await _link_issues(session, project_id, version.id, change.issue_ids, (*path, "issue_ids"))
    project.ontology = ontology
    project.instructions = instructions
    await session.flush()
    return version


async def _newest(session: AsyncSession, project_id: int) -> GuidelineVersion | None:
    statement = (
        select(GuidelineVersion)
        .where(GuidelineVersion.project_id == project_id)
        .order_by(GuidelineVersion.number.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def _link_issues(
    session: AsyncSession, project_id: int, version_id: int, issue_ids: tuple[int, ...], path: Path
) -> None:
    if not issue_ids:
        return
    found = set(
        (await session.scalars(select(Issue.id).where(Issue.id.in_(issue_ids), Issue.project_id == project_id))).all()
    )
    missing = sorted(set(issue_ids) - found)
    if missing:
        raise NotFound("Issue of this project", missing[0], path=path)
    await session.execute(
        guideline_version_issues.insert(), [{"version_id": version_id, "issue_id": key} for key in sorted(found)]
    )


def _examples(path: Path, value: Any, spec: OntologySpec) -> list[dict[str, Any]]:
    items = _items(path, value)
    checked = []
    for index, item in enumerate(items):
        where = (*path, index)
        text = _text((*where, "input"), item.get("input"))
        if "answer" not in item:
            raise ValidationFailed((*where, "answer"), None, "is required: the right answer for the input")
        spec.check_answer(item["answer"], path=(*where, "answer"))
        checked.append(
            {
                "input": text,
                "answer": spec.stored_answer(item["answer"]),
                "explanation": _text((*where, "explanation"), item.get("explanation", ""), blank=True),
            }
        )
    return checked


def _mistakes(path: Path, value: Any) -> list[dict[str, Any]]:
    return [
        {
            "mistake": _text((*path, index, "mistake"), item.get("mistake")),
            "correction": _text((*path, index, "correction"), item.get("correction")),
        }
        for index, item in enumerate(_items(path, value))
    ]


def _items(path: Path, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValidationFailed(path, value, "must be a list of objects")
    if len(value) > _MAX_ITEMS:
        raise ValidationFailed(path, f"{len(value)} items", f"must hold at most {_MAX_ITEMS}")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValidationFailed(path, repr(value)[:80], f"must be JSON ({error})") from error
    return value


def _text(path: Path, value: Any, *, blank: bool = False) -> str:
    if not isinstance(value, str) or (not blank and not value.strip()):
        raise ValidationFailed(path, value, "must be a non-empty string" if not blank else "must be a string")
    if len(value) > _MAX_TEXT:
        raise ValidationFailed(path, f"{len(value)} characters", f"must be at most {_MAX_TEXT}")
    return value.strip()


async def version_in_force(session: AsyncSession, project_id: int, at: datetime) -> GuidelineVersion | None:
    """The version labelers worked under at `at`: the newest published at or before it, else the first one (work
    dated before versioning began). None when the project has no version."""
    # One statement: versions published by `at` rank by number, newest first, ahead of all later ones, which rank
    # oldest first (so with none published by then, the first version comes out).
    published = GuidelineVersion.created_at <= at
    statement = (
        select(GuidelineVersion)
        .where(GuidelineVersion.project_id == project_id)
        .order_by(case((published, GuidelineVersion.number), else_=-GuidelineVersion.number).desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()


def _typed(ontology: Any) -> OntologySpec:
    """The typed fields of a stored ontology; one too malformed to type (from before typing was checked) types
    nothing, rather than blocking all work on its project."""
    try:
        return parse_ontology(ontology)
    except ValidationFailed:
        return OntologySpec()


def checked_answer(ontology: Any, answer: Any, *, path: Path = ("answer",)) -> Any:
    """`answer` in the form it is stored under `ontology` (`OntologySpec.stored_answer`); ValidationFailed when it
    does not fit."""
    spec = _typed(ontology)
    spec.check_answer(answer, path=path)
    return spec.stored_answer(answer)


def stored_answer(ontology: Any, answer: Any) -> Any:
    """`answer` in the form it is stored under `ontology`, unchecked (a gold answer need not fit it)."""
    return _typed(ontology).stored_answer(answer)


async def fill_label_versions(session: AsyncSession | AsyncConnection, project_id: int | None = None) -> int:
    """Stamp labels that have no version (bulk imports, generated data) with the version in force when they were
    started, in one statement; returns how many labels it stamped."""
    project_of_label = select(Task.project_id).where(Task.id == Label.task_id).correlate(Label).scalar_subquery()
    newest_before = (
        select(GuidelineVersion.id)
        .where(GuidelineVersion.project_id == project_of_label, GuidelineVersion.created_at <= Label.started_at)
        .order_by(GuidelineVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    first = (
        select(GuidelineVersion.id)
        .where(GuidelineVersion.project_id == project_of_label, GuidelineVersion.number == 1)
        .scalar_subquery()
    )
    statement = (
        update(Label)
        .where(Label.guideline_version_id.is_(None))
        .values(guideline_version_id=func.coalesce(newest_before, first))
    )
    if project_id is not None:
        statement = statement.where(project_of_label == project_id)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
