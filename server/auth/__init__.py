"""Access control: identities and API keys, roles and row scoping, query limits, and the audit trail."""

from server.auth.identity import ANONYMOUS, SYSTEM, Unauthenticated, Viewer, authenticate, viewer_from_request
from server.auth.keys import InvalidKey, IssuedKey, issue_key, revoke_key, verify_key
from server.auth.scoping import scoped_reads, visibility, visible

__all__ = [
    "ANONYMOUS",
    "SYSTEM",
    "InvalidKey",
    "IssuedKey",
    "Unauthenticated",
    "Viewer",
    "authenticate",
    "issue_key",
    "revoke_key",
    "scoped_reads",
    "verify_key",
    "viewer_from_request",
    "visibility",
    "visible",
]
