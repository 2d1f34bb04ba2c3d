"""LabelOps workforce simulator."""

__all__: list[str] = []
