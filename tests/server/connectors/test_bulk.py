"""Bulk rows written as driver values: stored exactly as the ORM stores them, read back as the ORM reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, event, select
from sqlalchemy.dialects import sqlite

from server.connectors.bulk import BulkRows, _multi_row_statement, sqlite_time
from server.db import Database
from server.db.enums import TaskStatus
from server.db.models import Label, Task
from server.db.rollup_tables import ProjectTimeBin
from tests.server.connectors.world import make_project

MOMENTS = [
    datetime(2026, 3, 2, 9, 15, 0, 123456, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 15, tzinfo=UTC),  # no microseconds: still written with them, as SQLAlchemy does
    datetime(2026, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=2))),  # the day before, in UTC
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_given_an_aware_moment_then_sqlite_text_is_what_sqlalchemy_writes(moment: datetime) -> None:
    process = sqlite.DATETIME().bind_processor(sqlite.dialect())
    assert process is not None

    assert sqlite_time(moment) == process(moment.astimezone(UTC).replace(tzinfo=None))


def test_given_a_naive_moment_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="timestamps must be timezone-aware, got naive 2026-03-02T09:15:00"):
        sqlite_time(datetime(2026, 3, 2, 9, 15))


@pytest.mark.database
async def test_given_rows_written_in_bulk_then_the_orm_reads_them_and_bulk_reads_them_alike(
    database: Database,
) -> None:
    project_id = await make_project(database)
    tasks = cast(Table, Task.__table__)
    rows: list[tuple[Any, ...]] = [
        (project_id, f"t{i}", moment, TaskStatus.DONE, {"gold": [i]} if i else None) for i, moment in enumerate(MOMENTS)
    ]
    columns = ("project_id", "external_id", "created_at", "status", "gold_answer")

    async with database.engine.begin() as connection:
        bulk = BulkRows(connection)
        made = await bulk.insert(tasks, columns, rows, returning=("id", "external_id"))
        read = await bulk.select_in(
            tasks, ("id", *columns[1:], "is_benchmark"), "external_id", ["t0", "t1", "t2", "t9"]
        )

    async with database.session() as session:
        stored = (await session.execute(select(Task).order_by(Task.external_id))).scalars().all()
    assert sorted(external for _id, external in made) == ["t0", "t1", "t2"]
    assert [(t.external_id, t.created_at, t.status, t.gold_answer, t.priority) for t in stored] == [
        (f"t{i}", moment.astimezone(UTC), TaskStatus.DONE, {"gold": [i]} if i else None, 0)
        for i, moment in enumerate(MOMENTS)
    ]
    assert sorted(read, key=lambda row: row[1]) == [
        (t.id, t.external_id, t.created_at, t.status, t.gold_answer, False) for t in stored
    ]


def test_given_a_column_of_moments_then_bulk_writes_each_as_sqlalchemy_writes_it() -> None:
    # The column conversion builds the text from pieces: every piece's edges (first and last day of a year and of
    # the calendar, midnight, the last microsecond, microseconds below and above a thousand), another zone, None,
    # and moments spread over years.
    write = BulkRows.__new__(BulkRows)
    write.dialect = "sqlite"
    convert = write._converter(cast(Table, Task.__table__), "created_at")
    assert convert is not None
    process = sqlite.DATETIME().bind_processor(sqlite.dialect())
    assert process is not None
    spread = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=977_777.123457 * i) for i in range(-600, 600)]
    moments: list[datetime | None] = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(999, 12, 31, 0, 0, 0, 1000, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 5, 7, 999, tzinfo=UTC),
        datetime(2026, 3, 2, 23, 0, 59, 10, tzinfo=UTC),
        None,
        *MOMENTS,
        *spread,
    ]

    expected = [None if m is None else process(m.astimezone(UTC).replace(tzinfo=None)) for m in moments]
    assert convert(moments) == expected


@pytest.mark.parametrize("column", ["gold_answer", "answer"])  # SQL NULL for None, and JSON null
def test_given_a_column_of_answers_then_bulk_writes_each_as_the_column_type_does(column: str) -> None:
    # Repeated objects of strings are serialised once; values that compare equal in Python without being equal
    # JSON (1 and True, 1 and "1") must each keep their own text, and the text is the canonical one the column's
    # type binds (keys sorted, 1.0 as 1), whichever of equal objects was cached first.
    write = BulkRows.__new__(BulkRows)
    write.dialect = "sqlite"
    table = cast(Table, (Task if column == "gold_answer" else Label).__table__)
    convert = write._converter(table, column)
    assert convert is not None
    answers: list[Any] = [
        {"label": "cat"},
        {"label": "cat"},
        {"label": 1},
        {"label": True},
        {"label": 1.0},
        {"label": "1"},
        {1: "a"},
        {"1": "a"},
        {True: "a"},
        {"a": "x", "b": "y"},
        {"b": "y", "a": "x"},
        {"label": ["cat", "dog"]},
        {"label": {"nested": "cat"}},
        None,
        ["cat"],
        "cat",
        {"label": "cat"},
    ]

    dialect = sqlite.dialect()
    bind = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    expected = [bind(a) for a in answers]
    assert expected[0] == '{"label": "cat"}' and expected[4] == '{"label": 1}' and expected[9] == expected[10]
    assert expected[2] != expected[3] and expected[-4] == (None if column == "gold_answer" else "null")
    assert convert(answers) == expected
    assert convert(list(reversed(answers))) == list(reversed(expected))


def test_given_values_of_every_json_kind_then_bulk_text_is_json_dumps_text() -> None:
    # Lists are serialised each time, with an encoder built once: the text must stay `json.dumps`'s own.
    write = BulkRows.__new__(BulkRows)
    write.dialect = "sqlite"
    convert = write._converter(cast(Table, Label.__table__), "source_result")
    assert convert is not None
    values: list[Any] = [
        [{"from_name": "animal", "to_name": "image", "type": "choices", "value": {"choices": ["cat"]}}],
        [1.5, 1e300, -0.0, float("nan"), float("inf"), float("-inf"), 2**70, True, None],
        ['caf\u00e9 \u2028 "quoted" back\\slash \ud83d\ude00', {"\u00e9": ["\n\t"]}],
        [[], {}, [[[]]], {"1": {"2": {"3": []}}}],
        [{1: "int key", 2.5: "float key", None: "null key"}, {True: "bool key"}],
        "text",
        7,
    ]

    assert convert(values) == [json.dumps(value) for value in values]
    with pytest.raises(TypeError, match="not JSON serializable"):
        convert([[object()]])


def test_given_rows_then_a_multi_row_statement_holds_a_group_of_placeholders_per_row() -> None:
    head = "INSERT INTO t (a, b) VALUES "
    assert _multi_row_statement("sqlite", head, "", 2, 3) == head + "(?, ?), (?, ?), (?, ?)"
    assert _multi_row_statement("sqlite", head, " RETURNING id", 2, 1) == head + "(?, ?) RETURNING id"
    assert _multi_row_statement("postgresql", head, " RETURNING id", 2, 2) == head + "($1, $2), ($3, $4) RETURNING id"


def test_given_stored_text_of_every_shape_then_bulk_reads_it_as_the_column_type_does() -> None:
    # Naive UTC text (with and without microseconds, as SQLAlchemy and `sqlite_time` write it), and text with an
    # offset (never written here), which takes the per-value path for the whole column.
    read = BulkRows.__new__(BulkRows)
    read.dialect = "sqlite"
    reader = read._reader(cast(Table, Task.__table__), "created_at")
    assert reader is not None
    stored = ["2026-03-02 09:15:00.123456", None, "2026-03-02 09:15:00"]
    expected = [datetime(2026, 3, 2, 9, 15, 0, 123456, tzinfo=UTC), None, datetime(2026, 3, 2, 9, 15, tzinfo=UTC)]

    assert reader(stored) == expected
    assert all(v is None or v.tzinfo is UTC for v in reader(stored))
    assert reader([*stored, "2026-03-02 11:15:00+02:00"]) == [*expected, datetime(2026, 3, 2, 9, 15, tzinfo=UTC)]


@pytest.mark.database
async def test_given_more_rows_than_one_statement_holds_then_every_row_is_written_once(database: Database) -> None:
    project_id = await make_project(database)
    tasks = cast(Table, Task.__table__)
    columns = ("project_id", "external_id", "created_at", "status")
    # Four columns more go in with their defaults: payload_ref, priority, labels_required, is_benchmark.
    per_statement = 32_000 // (len(columns) + 4)
    count = 2 * per_statement + 3  # two full statements and a short one
    rows = [(project_id, f"t{i}", MOMENTS[i % 3], TaskStatus.TO_LABEL) for i in range(count)]
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    async with database.engine.begin() as connection:
        event.listen(database.engine.sync_engine, "before_cursor_execute", record)
        try:
            await BulkRows(connection).insert(tasks, columns, rows)
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", record)

    async with database.session() as session:
        stored = (await session.execute(select(Task.external_id, Task.created_at).order_by(Task.id))).all()
    assert [(key, at) for key, at in stored] == [(f"t{i}", MOMENTS[i % 3].astimezone(UTC)) for i in range(count)]
    # SQLite writes them as multi-row statements; asyncpg sends one executemany.
    assert len(statements) == (3 if database.dialect == "sqlite" else 1)


@pytest.mark.database
async def test_given_counts_to_add_then_stored_rows_grow_and_missing_rows_are_created(database: Database) -> None:
    project_id = await make_project(database)
    bins = cast(Table, ProjectTimeBin.__table__)
    keys = ("project_id", "day", "bin")
    # More rows than one SQLite statement holds (32,000 parameters over 4 columns), so the upsert spans statements.
    first = [(project_id, "2026-05-01", index, 2) for index in range(9000)]

    async with database.engine.begin() as connection:
        bulk = BulkRows(connection)
        await bulk.add_counts(bins, keys, "labels", first)
        more = [(project_id, "2026-05-01", 3, -2), (project_id, "2026-05-02", 3, 5)]
        await bulk.add_counts(bins, keys, "labels", more)

    async with database.session() as session:
        stored = {(row.day, row.bin): row.labels for row in (await session.execute(select(ProjectTimeBin))).scalars()}
    assert len(stored) == 9001
    assert (stored[("2026-05-01", 0)], stored[("2026-05-01", 3)], stored[("2026-05-02", 3)]) == (2, 0, 5)
