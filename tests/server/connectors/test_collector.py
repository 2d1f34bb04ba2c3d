"""The garbage collector is spaced out while an import runs, and put back as it was when the last one ends."""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator

import pytest

from server.connectors import build_format, import_records
from server.connectors.collector import IMPORT_THRESHOLDS, collection_spaced
from server.db import Database
from tests.server.connectors.test_batches import CONSENSUS, MAPPING
from tests.server.connectors.world import PROJECT, make_project


@pytest.fixture
def default_thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_given_nested_spacings_then_the_thresholds_come_back_when_the_outer_one_ends(
    default_thresholds: tuple[int, int, int],
) -> None:
    with collection_spaced():
        assert gc.get_threshold() == IMPORT_THRESHOLDS
        with collection_spaced():
            assert gc.get_threshold() == IMPORT_THRESHOLDS
        assert gc.get_threshold() == IMPORT_THRESHOLDS
    assert gc.get_threshold() == default_thresholds


def test_given_an_error_inside_then_the_thresholds_come_back(default_thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError, match="boom"), collection_spaced():
        raise RuntimeError("boom")
    assert gc.get_threshold() == default_thresholds


def test_given_collection_switched_off_by_a_zero_threshold_then_it_stays_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with collection_spaced():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


@pytest.mark.database
async def test_given_an_import_then_its_batches_run_spaced_and_the_thresholds_come_back_after(
    database: Database, default_thresholds: tuple[int, int, int]
) -> None:
    await make_project(database)
    seen: list[tuple[int, int, int]] = []

    await import_records(
        database,
        build_format("csv", mapping=MAPPING),
        io.StringIO(CONSENSUS),
        project=PROJECT,
        batch_size=3,
        progress=lambda _rows: seen.append(gc.get_threshold()),
    )

    assert seen and all(thresholds == IMPORT_THRESHOLDS for thresholds in seen)
    assert gc.get_threshold() == default_thresholds
