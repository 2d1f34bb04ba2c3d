"""Monte Carlo machinery on a toy model: seeding, executors, estimates, bands, JSON."""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster
from scipy import stats

from simulator.montecarlo import (
    Replication,
    aggregate,
    parse_executor,
    reduce_result,
    run_monte_carlo,
)

_DAYS = 12


@dataclass(frozen=True)
class _ToySummary:
    level: float
    arrivals: float
    completion_day: float


@dataclass(frozen=True)
class _ToyDaily:
    backlog: np.ndarray
    headcount_by_vendor: dict[str, np.ndarray]


@dataclass(frozen=True)
class _ToyResult:
    summary: _ToySummary
    daily: _ToyDaily


def _toy_run(scenario: dict[str, float], seed: np.random.SeedSequence) -> _ToyResult:
    """A stand-in for the engine: normal level, Poisson arrivals, a random-walk backlog, sometimes never done."""
    rng = np.random.default_rng(seed)
    level = rng.normal(scenario["mean"], scenario["sd"])
    backlog = np.cumsum(rng.normal(0.0, 1.0, _DAYS))
    finished = rng.random() < 0.7
    return _ToyResult(
        summary=_ToySummary(
            level=float(level),
            arrivals=float(rng.poisson(50)),
            completion_day=float(rng.integers(5, 10)) if finished else math.nan,
        ),
        daily=_ToyDaily(
            backlog=backlog,
            headcount_by_vendor={"acme": np.full(_DAYS, 3.0), "globex": rng.integers(0, 5, _DAYS)},
        ),
    )


_SCENARIO = {"mean": 10.0, "sd": 2.0}
_toy = functools.partial(run_monte_carlo, _SCENARIO, runner=_toy_run)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    with LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None, protocol="tcp"
    ) as cluster:
        yield cluster.scheduler_address


def test_same_seed_same_result_across_executors(dask_address: str) -> None:
    serial = _toy(replications=60, seed=7, executor="serial").to_dict()
    processes = _toy(replications=60, seed=7, executor="process:2", chunk_size=7).to_dict()
    one_process = _toy(replications=60, seed=7, executor="process:1").to_dict()
    dask = _toy(replications=60, seed=7, executor="dask://" + dask_address.removeprefix("tcp://")).to_dict()
    with Client(dask_address, set_as_default=False) as client:
        dask_client = _toy(replications=60, seed=7, executor=client, chunk_size=30).to_dict()
    assert serial == processes == one_process == dask == dask_client


def test_a_different_seed_gives_different_samples() -> None:
    a = _toy(replications=5, seed=1, executor="serial")
    b = _toy(replications=5, seed=2, executor="serial")
    assert not np.array_equal(a.samples["level"], b.samples["level"])


def test_replications_are_independent_streams() -> None:
    result = _toy(replications=400, seed=3, executor="serial")
    levels = result.samples["level"]
    # Consecutive replications share no randomness: lag-1 correlation is indistinguishable from zero.
    r = np.corrcoef(levels[:-1], levels[1:])[0, 1]
    assert abs(r) < 3.0 / math.sqrt(levels.size)
    # And the spread is the model's own: a chi-square 99% interval for the variance contains sd^2 = 4.
    n = levels.size
    var = levels.var(ddof=1)
    low = (n - 1) * var / stats.chi2.ppf(0.995, n - 1)
    high = (n - 1) * var / stats.chi2.ppf(0.005, n - 1)
    assert low <= 4.0 <= high


def test_estimate_is_the_student_t_interval() -> None:
    result = _toy(replications=30, seed=11, executor="serial")
    levels = result.samples["level"]
    low, high = stats.t.interval(0.95, levels.size - 1, loc=levels.mean(), scale=stats.sem(levels))
    estimate = result.summary["level"]
    assert estimate.mean == pytest.approx(levels.mean())
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((low, high))
    assert estimate.n == 30


def test_confidence_intervals_cover_the_true_mean_about_95_percent_of_the_time() -> None:
    covered = 0
    trials = 300
    for seed in range(trials):
        result = _toy(replications=10, seed=seed, executor="serial")
        covered += result.summary["level"].contains(10.0)
    # Binomial(300, 0.95): mean 285, sd 3.8; five sd either side.
    assert 266 <= covered <= 300


def test_nan_metrics_are_left_out_and_counted() -> None:
    result = _toy(replications=50, seed=5, executor="serial")
    days = result.samples["completion_day"]
    finite = days[np.isfinite(days)]
    assert 0 < finite.size < days.size
    assert result.summary["completion_day"].n == finite.size
    assert result.summary["completion_day"].mean == pytest.approx(finite.mean())


def test_daily_bands_flatten_nested_series_and_match_numpy() -> None:
    result = _toy(replications=40, seed=9, executor="serial")
    assert set(result.daily) == {"backlog", "headcount_by_vendor.acme", "headcount_by_vendor.globex"}
    rows = np.array([_toy_run(_SCENARIO, s).daily.backlog for s in np.random.SeedSequence(9).spawn(40)])
    band = result.daily["backlog"]
    np.testing.assert_allclose(band.mean, rows.mean(axis=0))
    np.testing.assert_allclose(band.p2_5, np.percentile(rows, 2.5, axis=0))
    np.testing.assert_allclose(band.p97_5, np.percentile(rows, 97.5, axis=0))
    half = stats.t.ppf(0.975, 39) * rows.std(axis=0, ddof=1) / math.sqrt(40)
    np.testing.assert_allclose(band.ci_high - band.mean, half)
    # The CI of the mean is narrower than the spread of the runs.
    assert np.all(band.ci_high <= band.p97_5) and np.all(band.ci_low >= band.p2_5)
    constant = result.daily["headcount_by_vendor.acme"]
    np.testing.assert_array_equal(constant.ci_low, constant.ci_high)


def test_uneven_series_are_padded_not_dropped() -> None:
    reps = [
        Replication({"x": 1.0}, {"s": np.array([1.0, 2.0, 3.0])}),
        Replication({"x": 2.0}, {"s": np.array([3.0, 4.0])}),
    ]
    band = aggregate(reps, seed=0).daily["s"]
    np.testing.assert_allclose(band.mean, [2.0, 3.0, 3.0])
    assert math.isnan(band.ci_low[2])


def test_result_is_strict_json() -> None:
    result = _toy(replications=8, seed=2, executor="serial")
    text = json.dumps(result.to_dict(), allow_nan=False)
    loaded = json.loads(text)
    assert loaded["replications"] == 8
    assert loaded["summary"]["level"]["mean"] == pytest.approx(result.summary["level"].mean)
    assert len(loaded["daily"]["backlog"]["p97_5"]) == _DAYS
    assert None in loaded["samples"]["completion_day"]


def test_progress_reports_every_chunk_up_to_the_total(dask_address: str) -> None:
    calls: list[tuple[int, int]] = []
    _toy(replications=13, seed=1, executor="process:2", chunk_size=4, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 13) and calls[-1] == (13, 13)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) == 1 + 4  # chunks of 4, 4, 4, 1

    dask_calls: list[int] = []
    _toy(replications=70, seed=1, executor="dask://" + dask_address, progress=lambda d, t: dask_calls.append(d))
    # Dask gets about four chunks per worker thread (2 here): 70 replications in chunks of 9, not one task
    # per replication, and not batches so large that a small run leaves workers idle; chunks finish in any order.
    assert dask_calls[0] == 0 and dask_calls[-1] == 70
    assert sorted(np.diff(dask_calls).tolist()) == [7, *[9] * 7]


def test_reduce_result_reads_dataclass_summaries() -> None:
    replication = reduce_result(_toy_run(_SCENARIO, np.random.SeedSequence(0)))
    assert set(replication.summary) == {"level", "arrivals", "completion_day"}
    assert all(isinstance(v, float) for v in replication.summary.values())
    assert replication.daily["headcount_by_vendor.globex"].dtype == np.float64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 0, "seed": 1}, r"replications must be a positive integer, got 0"),
        ({"replications": 10**8, "seed": 1}, r"replications must be at most 100,000, got 100,000,000"),
        ({"replications": 2, "seed": -1}, r"seed must be a non-negative integer, got -1"),
        ({"replications": 2, "seed": 1, "executor": "threads"}, r"executor must be serial, .* got 'threads'"),
        ({"replications": 2, "seed": 1, "chunk_size": 0}, r"chunk_size must be a positive integer, got 0"),
    ],
)
def test_arguments_are_validated(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _toy(**kwargs)


def test_executor_specs() -> None:
    assert parse_executor("process:3").workers == 3
    assert parse_executor("dask://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    assert parse_executor("dask://tls://h:1").address == "tls://h:1"
    with pytest.raises(ValueError, match=r"process:N needs a positive worker count, got 'process:0'"):
        parse_executor("process:0")
    with pytest.raises(ValueError, match=r"needs a scheduler address"):
        parse_executor("dask://")


_WORKER_MODULES = """
import sys
from simulator.montecarlo import Replication, run_monte_carlo

def modules(scenario, seed):
    return Replication(summary={"numba": float("numba" in sys.modules)})

if __name__ == "__main__":
    result = run_monte_carlo(None, replications=2, seed=1, executor="process:2", runner=modules)
    print(result.samples["numba"].tolist())
"""


@pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba (the 'fast' extra) missing")
def test_process_workers_start_with_the_compiled_kernel_imported(tmp_path: Path) -> None:
    # Given a fresh process (the forkserver's imports are fixed when it first starts) whose runner only looks
    script = tmp_path / "workers.py"
    script.write_text(_WORKER_MODULES)
    # When it runs replications on the process executor
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120)
    # Then every worker already had numba: the forkserver imported it once, not each worker on its first run
    assert out.stdout.split() == ["[1.0,", "1.0]"]
