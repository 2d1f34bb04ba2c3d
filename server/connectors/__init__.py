"""Connectors: labeling history in from the tools where labeling happens.

One contract (`records.Format`: a file in, normalized task / label / review records out), one module per format
(`labelstudio`, `labelbox`, `csv`), and one importer (`importer`, with `state`, `bulk`, `read_ahead` and `report`)
that writes records into a project idempotently.
"""

from __future__ import annotations

from server.connectors.csv import CsvFormat, Mapping
from server.connectors.formats import FORMATS, build_format
from server.connectors.importer import import_records
from server.connectors.labelbox import LabelboxFormat
from server.connectors.labelstudio import LabelStudioFormat
from server.connectors.records import Format, LabelRecord, Record, Rejection, ReviewRecord, TaskRecord
from server.connectors.report import ImportReport

__all__ = [
    "FORMATS",
    "CsvFormat",
    "Format",
    "ImportReport",
    "LabelRecord",
    "LabelStudioFormat",
    "LabelboxFormat",
    "Mapping",
    "Record",
    "Rejection",
    "ReviewRecord",
    "TaskRecord",
    "build_format",
    "import_records",
]
