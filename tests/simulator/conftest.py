"""The kernels a test can ask for: each runs under ``LABELOPS_KERNEL`` set to its name."""

from __future__ import annotations

import importlib.util

import pytest

from simulator.kernel import KERNEL_ENV

# numba is an extra: without it the compiled kernel's cases are skipped, the pure kernel's still run.
_NUMBA = pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba (the 'fast' extra) missing")


@pytest.fixture(params=["python", pytest.param("numba", marks=_NUMBA)])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs the test once per kernel, with that kernel forced."""
    name: str = request.param
    monkeypatch.setenv(KERNEL_ENV, name)
    return name
