"""Global ids in and out: relay `GlobalID`s decoded to the database's integer keys."""

from __future__ import annotations

import re
from collections.abc import Iterable

from strawberry.relay import GlobalID

from server.services.errors import Path, ValidationFailed

__all__ = ["MAX_KEY", "decode_id", "decode_ids", "encode_id", "record_key"]

# The largest key of an `integer` column on PostgreSQL; SQLite stores more, but both databases refuse the same ids.
MAX_KEY = 2**31 - 1
# ASCII digits only: str.isdigit() also accepts `²` (int() then fails) and full-width digits (int() reads U+FF11 as 1).
_ASCII_KEY = re.compile(r"[0-9]{1,10}")


def encode_id(type_name: str, key: int) -> str:
    return str(GlobalID(type_name, str(key)))


def record_key(node_id: str) -> int | None:
    """The integer key the node part of a global id names, or None when it cannot name a record."""
    if _ASCII_KEY.fullmatch(node_id) is None:
        return None
    key = int(node_id)
    return key if 1 <= key <= MAX_KEY else None


def decode_id(value: GlobalID, type_name: str, field: Path) -> int:
    """The integer key inside `value`, which must be a global id of `type_name`."""
    key = record_key(value.node_id)
    if value.type_name != type_name or key is None:
        raise ValidationFailed(field, str(value), f"must be the id of a {type_name}")
    return key


def decode_ids(values: Iterable[GlobalID], type_name: str, field: Path) -> list[int]:
    """Keys of several global ids, deduplicated in their given order."""
    keys: dict[int, None] = {}
    for index, value in enumerate(values):
        keys[decode_id(value, type_name, (*field, index))] = None
    return list(keys)
