"""Worker functions for job-runner tests: module level so worker processes can import them."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from simulator.montecarlo import Replication


def fake_replicate(
    document: dict[str, Any], flow: str, indexed_seeds: Sequence[tuple[int, np.random.SeedSequence]]
) -> list[tuple[int, Replication]]:
    """A stand-in for the engine: behaviour chosen by the scenario's name."""
    name = document.get("name", "")
    if name == "fail":
        raise ValueError("demand.base_per_day exploded on purpose")
    if name == "crash":
        os._exit(3)
    out = []
    for index, seed in indexed_seeds:
        if name.startswith("slow"):
            time.sleep(0.15)
        value = float(np.random.default_rng(seed).random())
        out.append((index, Replication(summary={"value": value, "index": float(index)}, daily={"x": np.arange(3.0)})))
    return out
