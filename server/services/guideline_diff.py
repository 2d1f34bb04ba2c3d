"""What changed between two guideline versions: a line diff of the instructions and a field-by-field ontology
diff, so a reviewer of a change reads the change, not two documents."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from server.services.errors import ValidationFailed
from server.services.ontology import FieldSpec, parse_ontology

__all__ = ["FieldChange", "GuidelineDiff", "diff_versions"]


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    change: str  # ADDED, REMOVED or CHANGED
    kind_before: str | None
    kind_after: str | None
    choices_added: tuple[str, ...]
    choices_removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GuidelineDiff:
    instructions: tuple[str, ...]  # unified diff lines, without the file header
    fields: tuple[FieldChange, ...]
    examples_added: int
    examples_removed: int
    mistakes_added: int
    mistakes_removed: int


def diff_versions(before: Any, after: Any) -> GuidelineDiff:
    """`before` and `after` are versions (anything with ontology, instructions, examples, common_mistakes)."""
    lines = difflib.unified_diff(before.instructions.splitlines(), after.instructions.splitlines(), lineterm="", n=1)
    instructions = tuple(line for line in lines if not line.startswith(("---", "+++")))
    old, new = _fields(before.ontology), _fields(after.ontology)
    changes = []
    for name in sorted(old.keys() | new.keys()):
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        changes.append(
            FieldChange(
                name=name,
                change="ADDED" if was is None else "REMOVED" if now is None else "CHANGED",
                kind_before=None if was is None else was.kind,
                kind_after=None if now is None else now.kind,
                choices_added=tuple(c for c in (now.choices if now else ()) if c not in (was.choices if was else ())),
                choices_removed=tuple(c for c in (was.choices if was else ()) if c not in (now.choices if now else ())),
            )
        )
    return GuidelineDiff(
        instructions=instructions,
        fields=tuple(changes),
        examples_added=_count_new(before.examples, after.examples),
        examples_removed=_count_new(after.examples, before.examples),
        mistakes_added=_count_new(before.common_mistakes, after.common_mistakes),
        mistakes_removed=_count_new(after.common_mistakes, before.common_mistakes),
    )


def _fields(ontology: Any) -> dict[str, FieldSpec]:
    try:
        return {spec.name: spec for spec in parse_ontology(ontology).fields}
    except ValidationFailed:
        return {}


def _count_new(before: list[Any], after: list[Any]) -> int:
    return sum(1 for item in after if item not in before)
