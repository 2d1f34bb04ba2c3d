"""The access domain of the API: users, API keys and the audit log."""

from server.graphql.access.mutations import AccessMutations
from server.graphql.access.queries import AccessQueries

__all__ = ["AccessMutations", "AccessQueries"]
