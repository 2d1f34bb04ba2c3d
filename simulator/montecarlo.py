"""Monte Carlo over replications: seeding, executors (serial, local processes, Dask) and the aggregate result.

One `SeedSequence(seed)` is spawned into one child per replication, and replication `i` always receives child
`i`; chunks of replications are handed to whichever executor runs them (:mod:`simulator.executors`) and
reassembled by index. The result is
therefore a function of (scenario, seed, replications) alone, independent of the executor and the worker count.

Each worker reduces its run to a `Replication` (summary floats and daily arrays) before shipping it back, so a
chunk costs kilobytes on the wire, not the per-task arrays of a full `SimulationResult`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from simulator import executors
from simulator.executors import parse_executor
from simulator.extras import require

__all__ = [
    "MAX_REPLICATIONS",
    "Band",
    "Estimate",
    "MonteCarloResult",
    "Progress",
    "Replication",
    "Runner",
    "aggregate",
    "parse_executor",
    "reduce_result",
    "run_monte_carlo",
]

Runner = Callable[[Any, np.random.SeedSequence], Any]
"""Runs one replication of a scenario from its own seed; returns a `Replication` or anything `reduce_result` takes."""

Progress = Callable[[int, int], None]
"""Called with (replications done, replications total) as chunks finish."""

_CONFIDENCE = 0.95
# What the process pool's forkserver imports once for all its workers. The compiled kernel's module brings numba
# (about 0.3 CPU-seconds to import, paid per worker otherwise); without numba the forkserver skips it.
_PRELOAD = ("simulator.engine", "simulator.montecarlo", "simulator.kernel_numba")


#: Most replications one run takes: their seeds are spawned and their results held before anything is printed
#: (a hundred million took minutes and gigabytes before the first one ran, with no progress shown).
MAX_REPLICATIONS = 100_000


@dataclass(frozen=True, slots=True)
class Replication:
    """What one replication contributes: named summary floats and named daily series."""

    summary: dict[str, float]
    daily: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mean of a summary metric across replications with a Student t 95% confidence interval.

    `n` counts the replications with a finite value: a metric such as the completion day is NaN for runs that
    never finish, and those runs are left out of the mean rather than poisoning it.
    """

    mean: float
    ci_low: float
    ci_high: float
    std: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval."""
        return (self.ci_high - self.ci_low) / 2.0

    def contains(self, value: float) -> bool:
        """Whether `value` lies in the confidence interval."""
        return self.ci_low <= value <= self.ci_high

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, NaN as null."""
        return {name: _json_float(getattr(self, name)) for name in ("mean", "ci_low", "ci_high", "std")} | {"n": self.n}


@dataclass(frozen=True, slots=True)
class Band:
    """A daily series across replications: the mean, its 95% CI, and the 2.5/97.5 percentiles of the runs."""

    mean: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p2_5: np.ndarray
    p97_5: np.ndarray

    def to_dict(self) -> dict[str, list[float | None]]:
        """JSON-ready form, NaN as null."""
        return {
            name: [_json_float(v) for v in getattr(self, name).tolist()]
            for name in ("mean", "ci_low", "ci_high", "p2_5", "p97_5")
        }


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Aggregate of N replications: estimates per summary metric, bands per daily series, and the raw samples."""

    seed: int
    replications: int
    summary: dict[str, Estimate]
    daily: dict[str, Band]
    samples: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (strict JSON: NaN and infinities become null)."""
        return {
            "seed": self.seed,
            "replications": self.replications,
            "confidence": _CONFIDENCE,
            "summary": {name: estimate.to_dict() for name, estimate in self.summary.items()},
            "daily": {name: band.to_dict() for name, band in self.daily.items()},
            "samples": {name: [_json_float(v) for v in values.tolist()] for name, values in self.samples.items()},
        }


def _json_float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _estimate(values: np.ndarray) -> Estimate:
    finite = values[np.isfinite(values)]
    n = int(finite.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(finite.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1)
    std = float(finite.std(ddof=1))
    half = float(stats.t.ppf(0.5 + _CONFIDENCE / 2.0, n - 1)) * std / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, std, n)


def _band(rows: np.ndarray) -> Band:
    """Band of a (replications x days) array; NaNs (series of unequal length, undefined days) are skipped."""
    # Columns with fewer than two finite values legitimately have no spread; numpy would warn about each one.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        n = np.isfinite(rows).sum(axis=0)
        masked = np.where(np.isfinite(rows), rows, np.nan)
        all_nan = n == 0
        safe = np.where(all_nan[None, :], 0.0, masked)
        mean = np.nanmean(safe, axis=0)
        std = np.nanstd(safe, axis=0, ddof=1) if rows.shape[0] > 1 else np.full(rows.shape[1], np.nan)
        t = stats.t.ppf(0.5 + _CONFIDENCE / 2.0, np.maximum(n - 1, 1))
        half = np.where(n > 1, t * std / np.sqrt(np.maximum(n, 1)), np.nan)
        low, high = np.nanpercentile(safe, [2.5, 97.5], axis=0)
    nan = np.full(rows.shape[1], np.nan)
    mean = np.where(all_nan, nan, mean)
    return Band(
        mean=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        p2_5=np.where(all_nan, nan, low),
        p97_5=np.where(all_nan, nan, high),
    )


def _flatten_daily(daily: Any) -> dict[str, np.ndarray]:
    """Daily series as flat name -> 1-D float array; nested mappings (per vendor, per stage) become `a.b` names."""
    if isinstance(daily, Mapping):
        items: Iterable[tuple[str, Any]] = daily.items()
    elif dataclasses.is_dataclass(daily) and not isinstance(daily, type):
        items = ((f.name, getattr(daily, f.name)) for f in dataclasses.fields(daily))
    else:
        raise TypeError(f"daily series must be a dataclass or a mapping, got {type(daily).__name__}")
    flat: dict[str, np.ndarray] = {}
    for name, value in items:
        if isinstance(value, Mapping) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            for inner, array in _flatten_daily(value).items():
                flat[f"{name}.{inner}"] = array
            continue
        array = np.asarray(value)
        if array.ndim == 1 and array.dtype.kind in "biuf":
            flat[name] = array.astype(np.float64)
    return flat


def reduce_result(result: Any) -> Replication:
    """Reduce a run's result (anything with a dataclass `summary` of floats and a `daily` series) to a Replication."""
    if isinstance(result, Replication):
        return result
    summary_obj = result.summary
    if dataclasses.is_dataclass(summary_obj) and not isinstance(summary_obj, type):
        summary = {f.name: float(getattr(summary_obj, f.name)) for f in dataclasses.fields(summary_obj)}
    else:
        summary = {str(k): float(v) for k, v in dict(summary_obj).items()}
    daily = getattr(result, "daily", None)
    return Replication(summary=summary, daily=_flatten_daily(daily) if daily is not None else {})


def _run_chunk(
    runner: Runner, scenario: Any, indexed_seeds: Sequence[tuple[int, np.random.SeedSequence]]
) -> list[tuple[int, Replication]]:
    """Worker entry: run a chunk of replications, reducing each before the next starts to bound memory."""
    return [(index, reduce_result(runner(scenario, seed))) for index, seed in indexed_seeds]


def run_monte_carlo(
    scenario: Any,
    *,
    replications: int,
    seed: int,
    executor: str | Any = "process",
    runner: Runner | None = None,
    flow: Literal["kernel", "reference"] = "kernel",
    progress: Progress | None = None,
    chunk_size: int | None = None,
    connect_timeout: float = 10.0,
) -> MonteCarloResult:
    """Run `replications` independent replications of `scenario` and aggregate them.

    `executor` is a spec string (see `parse_executor`) or a connected `distributed.Client`. `runner` defaults to
    the engine's `run_replication` with the given `flow`; a custom runner must be picklable (a module-level
    function or a `functools.partial` of one) for the process and Dask executors. `connect_timeout` bounds the
    wait for a Dask scheduler, in seconds. Chunking follows :func:`simulator.executors.chunk_size` unless
    `chunk_size` is given.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ValueError(f"replications must be a positive integer, got {replications!r}")
    if replications > MAX_REPLICATIONS:
        raise ValueError(f"replications must be at most {MAX_REPLICATIONS:,}, got {replications:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if runner is None:
        from simulator.engine import run_replication

        runner = functools.partial(run_replication, flow=flow)
    seeds = np.random.SeedSequence(seed).spawn(replications)
    report = progress or (lambda done, total: None)
    report(0, replications)
    task = functools.partial(_run_chunk, runner)

    if isinstance(executor, str):
        spec = parse_executor(executor)
        if spec.kind == "serial":
            results = executors.run_serial(task, scenario, seeds, report)
        elif spec.kind == "process":
            results = executors.run_processes(task, scenario, seeds, report, spec.workers, chunk_size, preload=_PRELOAD)
        else:
            assert spec.address is not None
            Client = require("distributed", "the dask executor").Client

            with Client(spec.address, set_as_default=False, timeout=connect_timeout) as client:
                results = executors.run_dask(client, task, scenario, seeds, report, chunk_size)
    else:
        results = executors.run_dask(executor, task, scenario, seeds, report, chunk_size)
    return aggregate(results, seed=seed)


def aggregate(replications: Sequence[Replication], *, seed: int) -> MonteCarloResult:
    """Aggregate replications, in replication order, into estimates and bands."""
    if not replications:
        raise ValueError("replications must not be empty")
    names = list(replications[0].summary)
    samples = {name: np.array([r.summary.get(name, math.nan) for r in replications]) for name in names}
    series_names = list(replications[0].daily)
    for r in replications[1:]:
        series_names.extend(name for name in r.daily if name not in series_names)
    daily: dict[str, Band] = {}
    for name in series_names:
        arrays = [r.daily.get(name, np.empty(0)) for r in replications]
        width = max(a.size for a in arrays)
        # Runs may end on different days (or lack a vendor that never hired); pad with NaN, skipped in the band.
        rows = np.full((len(arrays), width), np.nan)
        for i, a in enumerate(arrays):
            rows[i, : a.size] = a
        daily[name] = _band(rows)
    return MonteCarloResult(
        seed=seed,
        replications=len(replications),
        summary={name: _estimate(values) for name, values in samples.items()},
        daily=daily,
        samples=samples,
    )
