"""SQL predicates shared by the domains' filters, portable between SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func

__all__ = ["contains_text", "json_list_contains", "json_text_contains"]


def json_list_contains(column: Any, value: str, *, any_case: bool = False) -> ColumnElement[bool]:
    """Whether a JSON list of strings holds `value` (ignoring case with `any_case`).

    The stored JSON text is matched against the value's own JSON spelling, quotes included, so `"GDPR"` never
    matches inside a longer string; one spelling serves both databases (SQLite has no JSON containment).
    """
    text: ColumnElement[str] = cast(column, String)
    spelling = json.dumps(value)
    if any_case:
        text, spelling = func.lower(text), spelling.lower()
    return text.like(f"%{_like_literal(spelling)}%", escape="\\")


def json_text_contains(column: Any, fragment: str) -> ColumnElement[bool]:
    """Whether any string of a JSON list holds `fragment`, ignoring case (matched as JSON spells it)."""
    return contains_text(cast(column, String), json.dumps(fragment)[1:-1])


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(column: Any, fragment: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; LIKE wildcards in `fragment` are taken literally."""
    return func.lower(column).like(f"%{_like_literal(fragment.lower())}%", escape="\\")
