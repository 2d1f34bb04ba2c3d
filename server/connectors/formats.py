"""The import formats by name: a new source is one module with a `Format` class, added here."""

from __future__ import annotations

from server.connectors.csv import CsvFormat, Mapping
from server.connectors.labelbox import LabelboxFormat
from server.connectors.labelstudio import LabelStudioFormat
from server.connectors.records import Format

__all__ = ["FORMATS", "build_format"]

FORMATS = ("labelstudio", "labelbox", "csv")


def build_format(name: str, *, mapping: Mapping | None = None, time_zone: str = "UTC") -> Format:
    """The reader of format `name`; `csv` needs a mapping (its time zone is the mapping's), the JSON formats read
    naive timestamps in `time_zone`."""
    if name == "labelstudio":
        return LabelStudioFormat(time_zone)
    if name == "labelbox":
        return LabelboxFormat(time_zone)
    if name == "csv":
        if mapping is None:
            raise ValueError("format csv needs a mapping (--mapping FILE or --map FIELD=COLUMN)")
        return CsvFormat(mapping)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {name!r}")
