"""Labels: labelers' answers to tasks, submitted, reviewed and reworked."""

__all__: list[str] = []
