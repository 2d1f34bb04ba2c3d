"""Issues: questions and problems raised on tasks and labels, discussed in comment threads."""

__all__: list[str] = []
