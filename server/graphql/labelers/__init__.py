"""Labelers: the people labeling and reviewing, and their onboarding stages."""

__all__: list[str] = []
