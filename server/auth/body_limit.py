"""The request body limit of the access guard: how many bytes an authenticated caller may send in one request.

The GraphQL endpoint reads a whole body into memory before it parses it, so the limit is enforced on the way in:
a declared `Content-Length` over the limit is refused before a byte of the body is read, and a body that streams
past it (chunked, or longer than declared) is refused as soon as the byte over the limit arrives, without reading
the rest. Admins get a larger limit: `importHistory` takes whole export files as its `content`.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

from server.db.access import Role
from server.settings import Settings

__all__ = ["BodyTooLarge", "body_limit", "declared_length", "limited_receive"]


class BodyTooLarge(Exception):
    """The request's body is over `limit` bytes (declared or received so far)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


def body_limit(settings: Settings, role: Role | None) -> int:
    """The most bytes a caller of `role` may send in one request body."""
    return settings.admin_max_body_bytes if role is Role.ADMIN else settings.max_body_bytes


def declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length`, when it declares one (the server has already refused a malformed one)."""
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            raw = bytes(value).strip()
            return int(raw) if raw.isdigit() else None
    return None


def limited_receive(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge as soon as the body's bytes so far pass `limit`."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_within_limit
