"""Persistence: the data model, engines and sessions, and migrations."""

from server.db import planning as _planning  # noqa: F401  (registers the planning tables on Base)
from server.db.models import Base
from server.db.session import Database

__all__ = ["Base", "Database"]
