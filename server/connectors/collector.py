"""Spacing out Python's cyclic garbage collector while an import runs.

An import allocates millions of small objects that live for a batch (records, tuples, states) and creates no
reference cycles worth collecting early. With the default thresholds (a young collection every 700 allocations,
and older generations scanned in proportion) the collector rescans the live batch over and over: measured on a
200,000-row import it took about a third of the interpreter's time. Raising the youngest generation's threshold
keeps the collector running, just far less often; the thresholds are the process's, so they are restored when the
last import running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["IMPORT_THRESHOLDS", "collection_spaced"]

IMPORT_THRESHOLDS = (100_000, 50, 1000)  # young collections every 100k allocations; older ones rarer still

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def collection_spaced() -> Iterator[None]:
    """Run the body with `IMPORT_THRESHOLDS` (never lowering a threshold already set higher, nor turning on a
    collection switched off by a zero threshold)."""
    global _running, _saved
    with _lock:
        if _running == 0 and gc.get_threshold()[0] != 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*(max(now, wanted) for now, wanted in zip(_saved, IMPORT_THRESHOLDS, strict=True)))
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
