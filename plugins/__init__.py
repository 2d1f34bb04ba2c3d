"""Built-in simulator plugins, registered through the `labelops.plugins` entry points."""

__all__: list[str] = []
