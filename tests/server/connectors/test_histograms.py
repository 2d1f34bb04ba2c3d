"""An import moves the time-per-label histograms by its own label changes: the rows equal a full rebuild's after
first imports and newer exports in batches of any size, and are never recounted from the days' labels."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from server.db import Database
from tests.server.connectors.world import (
    CROWD_CHANNEL_MAPPING,
    make_project,
    rollups_match_a_full_rebuild,
    run_import,
    snapshot,
)

pytestmark = pytest.mark.database

MAPPING = CROWD_CHANNEL_MAPPING


def _export(seed: int, newer: bool) -> str:
    """Labels of six workers from two vendors over three days, with times per label from 0 to 10 minutes (many
    bins, some rows of one label). In the `newer` export every fourth label took longer and every seventh moved to
    the next day, so labels leave rows they were alone in. The times are binary fractions that survive the
    timestamps' microseconds: the day rows' sums of seconds come out the same in any order of addition (PostgreSQL's
    plans add them in other orders than a full rebuild's)."""
    rng = random.Random(seed)
    rows = ["id,task,worker,started,submitted,answer,channel"]
    for number in range(60):
        worker = rng.randrange(6)
        day = rng.randrange(1, 4)
        seconds = rng.choice((0.0, 0.015625, 3.0, 3.5, 40.25, 600.0))
        if newer and number % 4 == 0:
            seconds = seconds * 2 + 7.0
        if newer and number % 7 == 0:
            day += 1
        submitted = datetime(2026, 5, day, 12, number, tzinfo=UTC)
        started = submitted - timedelta(seconds=seconds)
        rows.append(
            f"l{number},t{number // 2},w{worker},{started.isoformat()},{submitted.isoformat()},cat,v{worker % 2}"
        )
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("batch_size", [1, 7, 5000])
async def test_given_imports_and_newer_exports_then_the_histograms_equal_a_full_rebuild(
    database: Database, batch_size: int
) -> None:
    await make_project(database)

    await run_import(database, "csv", _export(5, newer=False), mapping=MAPPING, batch_size=batch_size)
    first = await snapshot(database)
    await rollups_match_a_full_rebuild(database)
    report = await run_import(database, "csv", _export(5, newer=True), mapping=MAPPING, batch_size=batch_size)

    assert report.updated >= 15
    assert len(first["label_time_bins"]) > len(first["vendor_time_bins"]) > len(first["project_time_bins"]) > 6
    await rollups_match_a_full_rebuild(database)
    moved = await snapshot(database)
    assert {row[2] for row in moved["label_time_bins"]} == {"2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"}
    assert all(row[-1] > 0 for table in ("label_time_bins", "vendor_time_bins") for row in moved[table])


async def test_given_an_import_then_no_histogram_is_recounted_from_the_labels(database: Database) -> None:
    await make_project(database)
    recounts: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # A recount deletes the days' rows and inserts them again from a SELECT over the labels; moving rows adds
        # VALUES and deletes only rows left at zero labels.
        text = " ".join(statement.split()).upper()
        if "TIME_BINS" in text and (" SELECT " in text or (text.startswith("DELETE") and ".LABELS =" not in text)):
            recounts.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        await run_import(database, "csv", _export(5, newer=False), mapping=MAPPING, batch_size=7)
        await run_import(database, "csv", _export(5, newer=True), mapping=MAPPING, batch_size=7)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)

    assert recounts == []
    await rollups_match_a_full_rebuild(database)
