"""SQL predicates shared by the domains' filters, portable between SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func

__all__ = ["contains_text", "json_list_contains"]


def json_list_contains(column: Any, value: str) -> ColumnElement[bool]:
    """Whether a JSON list of strings holds `value`.

    The stored JSON text is matched against the value's own JSON spelling, quotes included, so `"GDPR"` never
    matches inside a longer string; one spelling serves both databases (SQLite has no JSON containment).
    """
    return cast(column, String).like(f"%{_like_literal(json.dumps(value))}%", escape="\\")


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(column: Any, fragment: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; LIKE wildcards in `fragment` are taken literally."""
    return func.lower(column).like(f"%{_like_literal(fragment.lower())}%", escape="\\")
