"""LabelOps platform: GraphQL API over labeling-operations records."""

__all__: list[str] = []
