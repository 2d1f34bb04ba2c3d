"""CSV writing for exports: cells safe to open in a spreadsheet, rows encoded in batches for a streamed body.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or carriage return) as a
formula: text that starts so is written with a leading `'` (OWASP's "CSV injection" advice), which spreadsheets
show as text. Numbers are written as numbers: `-0.5` is a value, not a formula. Booleans are `true`/`false`,
nulls empty, nested lists and objects their JSON.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["FORMULA_PREFIXES", "csv_chunks", "safe_cell"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 500


def safe_cell(value: Any) -> str:
    """One value as CSV cell text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    text = json.dumps(value, separators=(",", ":")) if isinstance(value, list | dict) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int = _BATCH) -> Iterator[bytes]:
    """The CSV (UTF-8, CRLF line ends as RFC 4180 has them), `batch` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    pending = 1
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        pending += 1
        if pending >= batch:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending or buffer.tell():
        yield buffer.getvalue().encode()
