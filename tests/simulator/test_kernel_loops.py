"""The compiled kernel's pieces against the pure code they stand for, bit for bit."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from simulator.flow import rework_uniforms, service_factor

loops = pytest.importorskip("simulator.kernel_loops")

# Both tails, both sides of the central branch's edge (|p - 0.5| = 0.425) and of the far tail's (r = 5).
_EDGES = [
    1e-300,
    5e-324,
    1e-15,
    math.exp(-25.0) * 0.999,
    math.exp(-25.0) * 1.001,
    0.075,
    0.0749999999,
    0.0750000001,
    0.5,
    0.925,
    0.9250000001,
    1.0 - 1e-16,
    1.0 - 2.0**-53,
]


def _uniforms(count: int) -> list[float]:
    return [float(u) for u in np.random.default_rng(4).random(count)] + _EDGES


def test_inverse_normal_is_cpythons_bit_for_bit() -> None:
    normal = NormalDist()
    for p in _uniforms(20_000):
        assert loops.normal_inv_cdf(p) == normal.inv_cdf(p), p


@pytest.mark.parametrize(
    ("distribution", "cv"), [("exponential", 1.0), ("fixed", 0.0), ("lognormal", 0.5), ("lognormal", 0.0)]
)
def test_service_factor_is_the_flows(distribution: str, cv: float) -> None:
    codes = {"exponential": loops.DIST_EXPONENTIAL, "fixed": loops.DIST_FIXED, "lognormal": loops.DIST_LOGNORMAL}
    code = loops.DIST_FIXED if distribution == "lognormal" and cv == 0.0 else codes[distribution]
    for u in _uniforms(2_000):
        assert loops.service_factor(code, cv, u) == service_factor(distribution, cv, u), u


@pytest.mark.parametrize("key", [0, 1, 12345, (1 << 63) - 1, 0x9E3779B97F4A7C15 >> 1])
def test_rework_uniforms_are_the_flows(key: int) -> None:
    for job in (0, 1, 7, 1_999_999, (1 << 39) - 1):
        for rnd in (1, 2, 3, 31):
            expected = rework_uniforms(key, job, rnd)
            got = tuple(loops.rework_uniform(np.uint64(key), job, rnd, k) for k in range(5))
            assert got == expected, (key, job, rnd)


def test_worker_heap_serves_by_time_then_id_whatever_the_joining_order() -> None:
    rng = np.random.default_rng(2)
    free_at = rng.integers(0, 5, 200).astype(np.float64)  # worker w frees at free_at[w]; many equal times
    joining = rng.permutation(200).astype(np.int64)
    heap_time, heap_id, on = np.zeros(200), np.zeros(200, dtype=np.int64), np.zeros(200, dtype=np.bool_)
    size = loops.workers_on(heap_time, heap_id, 0, joining, free_at, on, -1.0)
    # A third go off duty and come back: the heap is rebuilt, the order must not change.
    leaving = joining[::3].copy()
    size = loops.workers_off(heap_time, heap_id, size, leaving, free_at, on)
    assert size == 200 - leaving.size and not on[leaving].any()
    size = loops.workers_on(heap_time, heap_id, size, leaving[::-1].copy(), free_at, on, -1.0)
    assert size == 200
    served = []
    for _ in range(200):  # the first free worker takes a job that never ends
        served.append((float(heap_time[0]), int(heap_id[0])))
        loops._replace_worker(heap_time, heap_id, size, np.inf, heap_id[0])
    assert served == sorted(zip(free_at.tolist(), range(200), strict=True))


def test_queue_heap_pops_by_time_then_job_with_its_payload() -> None:
    rng = np.random.default_rng(3)
    ready = rng.integers(0, 4, 300).astype(np.float64)
    jobs = rng.permutation(300).astype(np.int64)
    time, ids, tag = np.zeros(300), np.zeros(300, dtype=np.int64), np.zeros(300, dtype=np.int64)
    size = 0
    for k in range(300):
        size = loops._push(time, ids, tag, size, ready[k], jobs[k], 7 * jobs[k])
    popped = []
    while size:
        popped.append((float(time[0]), int(ids[0]), int(tag[0])))
        size = loops._pop(time, ids, tag, size)
    assert popped == sorted((r, j, 7 * j) for r, j in zip(ready.tolist(), jobs.tolist(), strict=True))
