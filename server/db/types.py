"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum
from sqlalchemy.types import TypeDecorator

__all__ = ["AnswerJSON", "UTCDateTime", "canonical_answer", "canonical_answer_text", "enum_column_type", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps in and out.

    SQLite has no timezone-aware type, so values are stored as naive UTC there and given back their
    UTC zone on the way out; naive values coming in are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column_type(enum_class: type[enum.Enum]) -> Enum:
    """Store enums as their names in a VARCHAR: portable, and new members need no type migration."""
    kwargs: dict[str, Any] = {"native_enum": False, "length": 32, "validate_strings": True}
    return Enum(enum_class, **kwargs)


def canonical_answer(value: Any) -> Any:
    """The one form an answer is stored in: object keys sorted (recursively) and a float that holds a whole number
    written as that integer; lists keep their order (an answer's list may be ordered; a multi-choice is sorted by
    its importer, or under the project's ontology by `OntologySpec.stored_answer`). The analytics compare answers
    by their stored text, so two answers equal as JSON values must be written as one text whoever writes them.

    Why 1.0 becomes 1: JSON has one number type (RFC 8259), so `1` and `1.0` are the same value; every reader of the
    stored JSON (Python's `json`, pandas, PostgreSQL's `jsonb`) parses them to equal numbers, and a client's JSON
    library decides on its own whether to write the fraction. Only whole floats change: `int(1e300)` is the same
    number exactly, NaN and infinities are left as they are, and booleans (an int subclass in Python) stay booleans.
    """
    kind = type(value)
    if kind is dict:
        try:
            keys = sorted(value)
        except TypeError:  # keys of mixed types (not from JSON): ordered as json.dumps would write them
            keys = sorted(value, key=lambda key: key if isinstance(key, str) else json.dumps(key))
        return {key: canonical_answer(value[key]) for key in keys}
    if kind is list or kind is tuple:
        return [canonical_answer(item) for item in value]
    if kind is float and value.is_integer():
        return int(value)
    return value


def canonical_answer_text(value: Any) -> str:
    """The stored JSON text of an answer (`json.dumps` of its canonical form, as SQLAlchemy's JSON type writes it)."""
    return json.dumps(canonical_answer(value))


class AnswerJSON(TypeDecorator[Any]):
    """JSON of an answer or a gold answer, written in its canonical form (`canonical_answer`), so that equal answers
    are stored as equal text on both databases, however the client or the source ordered or spelled them."""

    impl = JSON
    cache_ok = True

    def __init__(self, none_as_null: bool = False) -> None:
        super().__init__(none_as_null=none_as_null)
        self.none_as_null = none_as_null
        # As JSON decides it: without `none_as_null`, Python's None is stored as JSON null, not SQL NULL.
        self.should_evaluate_none = not none_as_null

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return canonical_answer(value)
