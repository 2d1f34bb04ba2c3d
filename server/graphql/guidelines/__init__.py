"""Guidelines: a project's versioned ontology and instructions, their diffs, and publishing a new version."""

from server.graphql.guidelines.mutations import GuidelineMutations
from server.graphql.guidelines.queries import GuidelineQueries

__all__ = ["GuidelineMutations", "GuidelineQueries"]
