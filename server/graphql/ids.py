"""Global ids in and out: relay `GlobalID`s decoded to the database's integer keys."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.relay import GlobalID

from server.services.errors import ValidationFailed

__all__ = ["decode_id", "decode_ids", "encode_id"]


def encode_id(type_name: str, key: int) -> str:
    return str(GlobalID(type_name, str(key)))


def decode_id(value: GlobalID, type_name: str, field: str) -> int:
    """The integer key inside `value`, which must be a global id of `type_name`."""
    if value.type_name != type_name or not value.node_id.isdigit():
        raise ValidationFailed(field, str(value), f"must be the id of a {type_name}")
    return int(value.node_id)


def decode_ids(values: Iterable[GlobalID], type_name: str, field: str) -> list[int]:
    """Keys of several global ids, deduplicated in their given order."""
    keys: dict[int, None] = {}
    for index, value in enumerate(values):
        keys[decode_id(value, type_name, f"{field}[{index}]")] = None
    return list(keys)
