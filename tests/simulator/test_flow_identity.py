"""The fast kernels (pure Python and compiled) and the per-task SimPy reference flow give the same run, task by
task, bit for bit.

All apply the tie-break order documented in :mod:`simulator.flow`. Every shipped example runs on its first
two weeks (the reference is ~30x slower), and a scenario built to hit ties (fixed times, shared shift starts,
consensus copies arriving together, heavy rework) runs whole. Busy-hour sums may differ in the last bit
(the same numbers added in a different order); everything per task must be equal.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from simulator import run_replication
from simulator.examples import tie_heavy_scenario
from simulator.kernel import KERNEL_ENV
from simulator.loading import load_scenario
from simulator.scenario import Scenario, ServiceTime

_EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))


def _assert_identical(scenario: Scenario, seed: int) -> None:
    kernel = run_replication(scenario, seed, flow="kernel", keep_tasks=True)
    reference = run_replication(scenario, seed, flow="reference", keep_tasks=True)
    assert kernel.tasks is not None and reference.tasks is not None
    np.testing.assert_array_equal(kernel.tasks.start_hour, reference.tasks.start_hour)
    np.testing.assert_array_equal(kernel.tasks.finish_hour, reference.tasks.finish_hour)
    np.testing.assert_array_equal(kernel.tasks.labeler, reference.tasks.labeler)
    k, r = dataclasses.asdict(kernel.summary), dataclasses.asdict(reference.summary)
    for name in ("turnaround_mean_hours", "turnaround_p90_hours", "mean_wait_hours", "reviews", "accepted_share"):
        assert k[name] == r[name] or (np.isnan(k[name]) and np.isnan(r[name])), name
    assert k == pytest.approx(r, rel=1e-12, nan_ok=True)


def _assert_same_summary(a: object, b: object) -> None:
    # Exactly equal, field by field (nan where both are undefined): the two kernels add in the same order.
    x, y = dataclasses.asdict(a), dataclasses.asdict(b)  # type: ignore[call-overload]
    assert x.keys() == y.keys()
    for name in x:
        assert x[name] == y[name] or (np.isnan(x[name]) and np.isnan(y[name])), name


def test_examples_are_all_covered() -> None:
    assert {path.stem for path in _EXAMPLES} >= {"launch_spike", "steady_state", "vendor_rampup"}


@pytest.mark.parametrize("path", _EXAMPLES, ids=lambda path: path.stem)
def test_kernel_and_reference_agree_on_every_example(path: Path, kernel: str) -> None:
    scenario = load_scenario(path)
    _assert_identical(dataclasses.replace(scenario, horizon_days=min(scenario.horizon_days, 14)), seed=1)


@pytest.mark.parametrize("rework_time", ["reuse", "independent"])
def test_kernel_and_reference_agree_where_times_tie(rework_time: str, kernel: str) -> None:
    scenario = tie_heavy_scenario()
    scenario = dataclasses.replace(scenario, review=dataclasses.replace(scenario.review, rework_time=rework_time))
    result = run_replication(scenario, 3, keep_tasks=True)
    assert result.tasks is not None
    # The scenario must really tie: many labels start at the same instant as another one.
    starts = result.tasks.start_hour[np.isfinite(result.tasks.start_hour)]
    assert starts.size - np.unique(starts).size > 500
    assert result.summary.accepted_share < 0.85  # plenty of rework
    _assert_identical(scenario, seed=3)


@pytest.mark.parametrize("path", _EXAMPLES, ids=lambda path: path.stem)
def test_compiled_and_pure_kernels_agree_on_whole_examples(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole horizon, which the reference is too slow for: the pure kernel is the oracle here.
    pytest.importorskip("numba")
    scenario = load_scenario(path)
    runs = []
    for name in ("python", "numba"):
        monkeypatch.setenv(KERNEL_ENV, name)
        runs.append(run_replication(scenario, 5, keep_tasks=True))
    pure, compiled = runs
    assert pure.tasks is not None and compiled.tasks is not None
    for field in ("start_hour", "finish_hour", "labeler"):
        np.testing.assert_array_equal(getattr(compiled.tasks, field), getattr(pure.tasks, field))
    _assert_same_summary(compiled.summary, pure.summary)


@pytest.mark.parametrize("distribution", ["lognormal", "exponential"])
def test_kernels_agree_on_independent_rework_with_drawn_times(
    distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rework times drawn inside the loop (the lognormal through the inverse normal CDF), with heavy rework.
    pytest.importorskip("numba")
    scenario = tie_heavy_scenario(horizon_days=14)
    scenario = dataclasses.replace(
        scenario,
        review=dataclasses.replace(scenario.review, rework_time="independent"),
        service_time=ServiceTime(distribution, 0.8),
    )
    runs = []
    for name in ("python", "numba"):
        monkeypatch.setenv(KERNEL_ENV, name)
        runs.append(run_replication(scenario, 11, keep_tasks=True))
    pure, compiled = runs
    assert pure.tasks is not None and compiled.tasks is not None
    assert pure.summary.accepted_share < 0.85  # the rework path really runs
    np.testing.assert_array_equal(compiled.tasks.finish_hour, pure.tasks.finish_hour)
    np.testing.assert_array_equal(compiled.tasks.labeler, pure.tasks.labeler)
    _assert_same_summary(compiled.summary, pure.summary)
