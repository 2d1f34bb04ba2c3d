"""CSV files of crowd marketplaces and anything else, read through a column mapping.

The mapping (flags `--map FIELD=COLUMN` or a TOML file, see `Mapping`) names the columns that hold the task,
the labeler, the times and the answer. Raw result files import with a mapping alone, e.g. Figure Eight / Appen
(`task = "_unit_id"`, `labeler = "_worker_id"`, `started_at = "_started_at"`, `submitted_at = "_created_at"`,
`vendor = "_channel"`, `time_format = "%m/%d/%Y %H:%M:%S"`) or Mechanical Turk batch results (`task = "HITId"`,
`label = "AssignmentId"`, `labeler = "WorkerId"`, `started_at = "AcceptTime"`, `submitted_at = "SubmitTime"`,
`seconds = "WorkTimeInSeconds"`, `review = "AssignmentStatus"`, `time_format = "%a %b %d %H:%M:%S %Z %Y"`).
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterator
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from server.connectors.records import MAX_SECONDS, FormatState, LabelRecord, Record, Rejection
from server.connectors.times import TimeReader, pattern_problem, zone
from server.db.enums import ReviewVerdict

__all__ = ["CsvFormat", "Mapping"]

_UP = {"approved", "accepted", "accept", "approve", "yes", "true", "1", "thumbs_up", "up", "pass", "passed"}
_DOWN = {"rejected", "reject", "no", "false", "0", "thumbs_down", "down", "fail", "failed"}
_PENDING = {"", "submitted", "pending", "none"}


@dataclass(frozen=True)
class Mapping:
    """Which column holds what. `answer` may name several columns (the answer is `{column: value}`); the cells of
    the `multi` columns (checkbox questions; all answer columns when `multi` is empty) are split at
    `multi_separator` into sorted lists, so answers compare whatever order they were ticked in. `gold` names a column
    holding the task's gold answer for the first answer column (empty: not a benchmark). `seconds` is used when
    both times are not given; `label` (the row's own id) defaults to task and labeler together."""

    task: str = ""
    labeler: str = ""
    answer: tuple[str, ...] = ()
    multi: tuple[str, ...] = ()
    submitted_at: str = ""
    started_at: str = ""
    seconds: str = ""
    label: str = ""
    gold: str = ""
    vendor: str = ""
    review: str = ""
    payload: str = ""
    created_at: str = ""
    time_format: str = ""
    time_zone: str = "UTC"
    multi_separator: str = ""

    def __post_init__(self) -> None:
        missing = [name for name in ("task", "labeler") if not getattr(self, name)]
        if not self.answer:
            missing.append("answer")
        stray = [column for column in self.multi if column not in self.answer]
        if stray:
            raise ValueError(f"mapping field multi names {stray[0]!r}, which is not an answer column")
        if missing:
            raise ValueError(f"the CSV mapping needs {', '.join(missing)} (e.g. --map task=HITId)")
        if not self.submitted_at and not (self.started_at and self.seconds):
            raise ValueError("the CSV mapping needs submitted_at, or started_at and seconds")
        zone(self.time_zone)
        if self.time_format and (problem := pattern_problem(self.time_format)) is not None:
            raise ValueError(problem)

    @classmethod
    def from_values(cls, values: MappingType[str, Any]) -> Mapping:
        """A mapping from TOML-like values (a `[mapping]` table or top-level keys); unknown keys are errors."""
        table = values.get("mapping", values)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(f"unknown mapping field {unknown[0]!r} (known: {', '.join(sorted(known))})")
        arguments: dict[str, Any] = {}
        for key, value in table.items():
            if key in ("answer", "multi"):
                columns = [value] if isinstance(value, str) else value
                if not isinstance(columns, list) or not all(isinstance(v, str) for v in columns):
                    raise ValueError(f"mapping field {key} must be a column name or a list of them, got {value!r}")
                arguments[key] = tuple(columns)
            elif not isinstance(value, str):
                raise ValueError(f"mapping field {key} must be a string, got {value!r}")
            else:
                arguments[key] = value
        return cls(**arguments)

    @classmethod
    def load(cls, path: str | Path | None, pairs: list[str] | None = None, **overrides: str | None) -> Mapping:
        """A TOML file's mapping, then `FIELD=COLUMN` pairs, then options (None: left as is), later winning."""
        values: dict[str, Any] = {}
        if path is not None:
            try:
                with open(path, "rb") as handle:
                    loaded = tomllib.load(handle)
            except tomllib.TOMLDecodeError as error:
                raise ValueError(f"mapping file {path}: {error}") from None
            except OSError as error:
                raise ValueError(f"mapping file {path}: {error.strerror or error}") from None
            except UnicodeDecodeError:
                raise ValueError(f"mapping file {path} is not UTF-8 text") from None
            values.update(loaded.get("mapping", loaded))
        answers: list[str] = []
        for pair in pairs or []:
            key, sep, column = pair.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"--map takes FIELD=COLUMN, got {pair!r}")
            if key.strip() == "answer":
                answers.append(column)  # repeated: several answer columns
            else:
                values[key.strip()] = column
        if answers:
            values["answer"] = answers
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls.from_values(values)


class CsvFormat(FormatState):
    name = "csv"
    default_vendor = "CSV import"

    def __init__(self, mapping: Mapping) -> None:
        super().__init__()
        self.mapping = mapping
        self._time = TimeReader(mapping.time_format or None, mapping.time_zone)
        # "\n" in a TOML file or a flag means a newline (Appen separates checkbox answers with newlines).
        self._separator = mapping.multi_separator.replace("\\n", "\n").replace("\\t", "\t")

    def read(self, stream: IO[str]) -> Iterator[Record]:
        reader = csv.reader(_without_byte_order_mark(stream))
        try:
            header = next(reader)
        except StopIteration:
            yield Rejection(1, "empty file: a header row is required")
            return
        columns = {name.strip(): index for index, name in enumerate(header)}
        mapping = self.mapping
        wanted = [getattr(mapping, f.name) for f in fields(mapping) if f.name not in _OPTIONS]
        names = [c for c in wanted if isinstance(c, str) and c] + list(mapping.answer)
        absent = sorted({c for c in names if c not in columns})
        if absent:
            listed = ", ".join(repr(c) for c in absent)
            found = ", ".join(repr(c) for c in list(columns)[:20])
            hint = " (the file is not comma-separated?)" if len(header) == 1 and ";" in header[0] else ""
            named = (
                f"column {listed} named in the mapping is"
                if len(absent) == 1
                else f"columns {listed} named in the mapping are"
            )
            yield Rejection(1, f"{named} not in the header (it has {found}){hint}")
            return
        repeated = sorted({c for c in names if sum(1 for name in header if name.strip() == c) > 1})
        if repeated:
            yield Rejection(1, f"column {repeated[0]!r} named in the mapping appears more than once in the header")
            return
        # Each field's column position (None: not mapped), looked up once for the whole file.
        positions = [columns[column] if (column := getattr(mapping, name)) else None for name in _FIELDS]
        answers = [(column, columns[column]) for column in mapping.answer]
        untimed = 0
        line = reader.line_num
        width = len(header)
        rows = _rows(reader)
        for row in rows:
            start, line = line + 1, reader.line_num
            if isinstance(row, csv.Error):
                yield Rejection(start, f"not CSV: {row}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < width:
                row = row + [""] * (width - len(row))
            record = self._record(start, row, positions, answers)
            if isinstance(record, LabelRecord) and record.seconds is None:
                untimed += 1
            yield record
        if untimed:
            self.notes.append(f"{untimed} rows have neither both times nor seconds: imported with 0 seconds")

    def _record(self, line: int, row: list[str], positions: list[int | None], answers: list[tuple[str, int]]) -> Record:
        m = self.mapping
        (
            task,
            labeler,
            started_raw,
            submitted_raw,
            created_raw,
            raw_seconds,
            review_raw,
            gold_value,
            vendor,
            payload,
            label,
        ) = ["" if i is None else row[i].strip() for i in positions]
        if not task:
            return Rejection(line, f"{m.task} is empty")
        if not labeler:
            return Rejection(line, f"{m.labeler} is empty (the labeler is unknown)")
        column = m.started_at
        try:
            started = self._time(started_raw) if started_raw else None
            column = m.submitted_at
            submitted = self._time(submitted_raw) if submitted_raw else None
            column = m.created_at
            created = self._time(created_raw) if created_raw else None
        except ValueError as error:
            return Rejection(line, f"{column}: {error}")
        seconds: float | None = None
        if raw_seconds:
            try:
                seconds = float(raw_seconds)
            except ValueError:
                return Rejection(line, f"{m.seconds} must be a number of seconds, got {raw_seconds!r}")
            if not 0 <= seconds <= MAX_SECONDS:  # NaN and infinities too
                return Rejection(line, f"{m.seconds} must be from 0 to {MAX_SECONDS} seconds, got {raw_seconds!r}")
        if started is not None and submitted is not None:
            if submitted < started:
                return Rejection(line, f"{m.submitted_at} {submitted.isoformat()} is before {m.started_at}")
            if seconds is None:
                seconds = (submitted - started).total_seconds()
        elif submitted is None:
            if started is None or seconds is None:
                return Rejection(line, f"{m.submitted_at or m.started_at} is empty")
            submitted = started + timedelta(seconds=seconds)
        verdict: ReviewVerdict | None = None
        if m.review:
            raw = review_raw.lower()
            if raw in _UP:
                verdict = ReviewVerdict.THUMBS_UP
            elif raw in _DOWN:
                verdict = ReviewVerdict.THUMBS_DOWN
            elif raw not in _PENDING:
                return Rejection(line, f"{m.review} {review_raw!r} is neither approved nor rejected")
        if self._separator:
            answer = {column: self._value(column, row[i].strip()) for column, i in answers}
        else:
            answer = {column: row[i].strip() for column, i in answers}
        return LabelRecord(
            line=line,
            task=task,
            label=label or f"{task}:{labeler}",
            labeler=labeler,
            answer=answer,
            submitted_at=submitted,
            started_at=started,
            seconds=seconds,
            gold_answer={m.answer[0]: self._value(m.answer[0], gold_value)} if gold_value else None,
            vendor=vendor or None,
            payload=payload[:2000],
            task_created_at=created,
            verdict=verdict,
        )

    def _value(self, column: str, raw: str) -> Any:
        separator = self._separator
        if not separator or (self.mapping.multi and column not in self.mapping.multi):
            return raw
        return sorted(part.strip() for part in raw.split(separator) if part.strip())


def _without_byte_order_mark(stream: IO[str]) -> Iterator[str]:
    """The stream's lines, the first without a byte order mark (text handed over as a string keeps it; before a
    quoted header it would become part of the first column's name)."""
    lines = iter(stream)
    for first in lines:
        yield first.removeprefix("\ufeff")
        break
    yield from lines


def _rows(reader: Any) -> Iterator[list[str] | csv.Error]:
    """The reader's rows, and in place of a row it cannot read (a cell over the field size limit) the error; the
    reader goes on with the next line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield error


_OPTIONS = {"answer", "multi", "time_format", "time_zone", "multi_separator"}
# The single-column fields, in the order `CsvFormat._record` unpacks them.
_FIELDS = (
    "task",
    "labeler",
    "started_at",
    "submitted_at",
    "created_at",
    "seconds",
    "review",
    "gold",
    "vendor",
    "payload",
    "label",
)
