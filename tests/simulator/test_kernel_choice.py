"""Which kernel runs: the compiled one when numba is there, the pure one otherwise or when asked, never an error
unless the compiled one is demanded and missing."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from simulator.extras import MissingExtra
from simulator.flow import FlowInputs
from simulator.kernel import KERNEL_ENV, KernelFlow, kernel_flow


def _inputs() -> FlowInputs:
    empty = np.empty(0)
    return FlowInputs(
        arrival=np.array([0.0, 1.0]),
        work=np.array([0.5, 0.5]),
        u_review=empty,
        u_error=empty,
        u_detect=empty,
        review_hours=empty,
        share_reviewed=0.0,
        detection_probability=1.0,
        rework_time_factor=1.0,
        review_mean_hours=0.1,
        rework_key=1,
    )


def _without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make numba unimportable, as in an install without the 'fast' extra."""
    monkeypatch.setitem(sys.modules, "numba", None)


def test_python_is_the_pure_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KERNEL_ENV, "python")
    assert type(kernel_flow(_inputs())) is KernelFlow


@pytest.mark.parametrize("value", ["numba", "auto", "", " Auto "])
def test_numba_or_auto_compiles_when_numba_is_installed(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    pytest.importorskip("numba")
    from simulator.kernel_numba import NumbaKernelFlow

    monkeypatch.setenv(KERNEL_ENV, value)
    assert type(kernel_flow(_inputs())) is NumbaKernelFlow


def test_unset_means_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KERNEL_ENV, raising=False)
    if importlib.util.find_spec("numba") is not None:
        from simulator.kernel_numba import NumbaKernelFlow

        assert type(kernel_flow(_inputs())) is NumbaKernelFlow
    _without_numba(monkeypatch)
    assert type(kernel_flow(_inputs())) is KernelFlow


def test_auto_falls_back_silently_without_numba(
    monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder
) -> None:
    monkeypatch.setenv(KERNEL_ENV, "auto")
    _without_numba(monkeypatch)
    flow = kernel_flow(_inputs())
    assert type(flow) is KernelFlow
    assert len(recwarn) == 0
    # And it runs.
    flow.labelers_on([flow.add_labeler(1.0, 0.0)], 0.0)
    flow.advance(10.0)
    np.testing.assert_array_equal(flow.finish().start, [0.0, 1.0])


def test_demanding_numba_without_it_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KERNEL_ENV, "numba")
    _without_numba(monkeypatch)
    with pytest.raises(MissingExtra, match=r"LABELOPS_KERNEL=numba needs the 'fast' extra.*labelops\[fast\]"):
        kernel_flow(_inputs())


def test_an_unknown_kernel_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KERNEL_ENV, "cython")
    with pytest.raises(ValueError, match=r"LABELOPS_KERNEL must be one of auto, numba, python, got 'cython'"):
        kernel_flow(_inputs())
