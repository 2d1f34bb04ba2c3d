"""SQL predicates shared by the domains' filters, portable between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast, func

__all__ = ["contains_text", "json_list_contains"]


def json_list_contains(column: Any, value: str) -> ColumnElement[bool]:
    """Whether a JSON list of enum names holds `value`.

    The JSON text is matched with its quotes, which enum names never contain, so `"GDPR"` never matches
    inside another member's name; this keeps one spelling for both databases (SQLite has no JSON containment).
    """
    return cast(column, String).like(f'%"{value}"%')


def contains_text(column: Any, fragment: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; LIKE wildcards in `fragment` are taken literally."""
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")
