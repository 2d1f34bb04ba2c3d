"""Tasks: the assets to label, benchmarks among them."""

__all__: list[str] = []
