"""Projects: what to label, how well, how fast, for how much, and by whom."""

__all__: list[str] = []
