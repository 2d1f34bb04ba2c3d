"""Vendors: workforce providers along the vendor pipeline."""

__all__: list[str] = []
