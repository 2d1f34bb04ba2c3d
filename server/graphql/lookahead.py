"""Lookahead: whether a resolver's own selection reaches a nested field, so it can load that field's rows itself.

A connection that knows its nodes' children are asked for reads them in one statement with the page and hands them
to the nodes, instead of one resolver coroutine and DataLoader round per node. A field under `@skip` or `@include`
still counts as selected: loading rows nobody reads costs a statement, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import SelectedField, Selection

from server.graphql.context import Info

__all__ = ["selects"]


def selects(info: Info, path: Sequence[str]) -> bool:
    """Whether the field being resolved selects `path` (field names below it, fragments looked through)."""
    return any(_reaches(field.selections, path) for field in info.selected_fields)


def _reaches(selections: Iterable[Selection], path: Sequence[str]) -> bool:
    name, rest = path[0], path[1:]
    for selection in selections:
        if not isinstance(selection, SelectedField):  # a fragment: its selections sit at this level
            if _reaches(selection.selections, path):
                return True
        elif selection.name == name and (not rest or _reaches(selection.selections, rest)):
            return True
    return False
