"""Reviews: thumbs up or down on labels."""

__all__: list[str] = []
