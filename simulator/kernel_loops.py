"""The kernel's loops compiled with numba: the same arithmetic as :mod:`simulator.kernel`, in the same order.

Every function here mirrors a piece of the pure-Python kernel so the two give bit-identical runs: the heaps are
binary heaps over parallel arrays ordered by the same (time, id) keys as the pure kernel's tuples (keys are unique,
so any correct heap pops the same sequence), :func:`rework_uniform` is :func:`simulator.flow.rework_uniforms` in
unsigned 64-bit arithmetic, and :func:`normal_inv_cdf` is CPython's ``statistics`` inverse normal (Wichura's
AS241) term by term. Random numbers are never drawn here: they come in as arrays drawn by numpy.

Importing this module imports numba; :func:`simulator.kernel.kernel_flow` imports it only when numba is there.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "DIST_EXPONENTIAL",
    "DIST_FIXED",
    "DIST_LOGNORMAL",
    "NEXT_JOB",
    "NEXT_REVIEWED",
    "REVIEWS",
    "REVIEW_QUEUE",
    "REWORK_INDEPENDENT",
    "REWORK_QUEUE",
    "REWORK_REUSE",
    "STATE_SIZE",
    "THUMBS_DOWN",
    "advance_plain",
    "advance_with_review",
    "normal_inv_cdf",
    "rework_uniform",
    "service_factor",
    "workers_off",
    "workers_on",
]

# Compiled once per machine and kept next to the module (numba's cache), so a new process loads, not compiles.
_jit = numba.njit(cache=True, nogil=True)

DIST_EXPONENTIAL, DIST_FIXED, DIST_LOGNORMAL = 0, 1, 2
REWORK_REUSE, REWORK_INDEPENDENT = 0, 1

# Loop state, one int64 array the compiled loop reads and writes back.
NEXT_JOB, NEXT_REVIEWED, REVIEW_QUEUE, REWORK_QUEUE, REVIEWS, THUMBS_DOWN = range(6)
STATE_SIZE = 6

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_UNIT = 2.0**-53


# -- heaps over parallel arrays: key (time, id), a payload riding along -------------------------------------------
@_jit
def _sift_down(time: np.ndarray, ids: np.ndarray, tag: np.ndarray, size: int, pos: int) -> None:
    t, i, g = time[pos], ids[pos], tag[pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        right = child + 1
        if right < size and (time[right] < time[child] or (time[right] == time[child] and ids[right] < ids[child])):
            child = right
        if time[child] < t or (time[child] == t and ids[child] < i):
            time[pos], ids[pos], tag[pos] = time[child], ids[child], tag[child]
            pos = child
        else:
            break
    time[pos], ids[pos], tag[pos] = t, i, g


@_jit
def _push(time: np.ndarray, ids: np.ndarray, tag: np.ndarray, size: int, t: float, i: int, g: int) -> int:
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if t < time[parent] or (t == time[parent] and i < ids[parent]):
            time[pos], ids[pos], tag[pos] = time[parent], ids[parent], tag[parent]
            pos = parent
        else:
            break
    time[pos], ids[pos], tag[pos] = t, i, g
    return size + 1


@_jit
def _pop(time: np.ndarray, ids: np.ndarray, tag: np.ndarray, size: int) -> int:
    """Drop the top (read it first); returns the new size."""
    size -= 1
    if size > 0:
        time[0], ids[0], tag[0] = time[size], ids[size], tag[size]
        _sift_down(time, ids, tag, size, 0)
    return size


# Worker heaps carry no payload: two arrays instead of three halve what each sift moves, and the labeler heap is
# sifted once per label (measured by benchmarks/kernel_routes.py, route "kernel").
@_jit
def _sift_down_worker(time: np.ndarray, ids: np.ndarray, size: int, pos: int) -> None:
    t, i = time[pos], ids[pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        right = child + 1
        if right < size and (time[right] < time[child] or (time[right] == time[child] and ids[right] < ids[child])):
            child = right
        if time[child] < t or (time[child] == t and ids[child] < i):
            time[pos], ids[pos] = time[child], ids[child]
            pos = child
        else:
            break
    time[pos], ids[pos] = t, i


@_jit
def _push_worker(time: np.ndarray, ids: np.ndarray, size: int, t: float, i: int) -> int:
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if t < time[parent] or (t == time[parent] and i < ids[parent]):
            time[pos], ids[pos] = time[parent], ids[parent]
            pos = parent
        else:
            break
    time[pos], ids[pos] = t, i
    return size + 1


@_jit
def _replace_worker(time: np.ndarray, ids: np.ndarray, size: int, t: float, i: int) -> None:
    time[0], ids[0] = t, i
    _sift_down_worker(time, ids, size, 0)


# -- workers coming on and going off duty -----------------------------------------------------------------------
@_jit
def workers_on(
    time: np.ndarray,
    ids: np.ndarray,
    size: int,
    joining: np.ndarray,
    free_at: np.ndarray,
    on: np.ndarray,
    now: float,
) -> int:
    """Push the off-duty workers of ``joining``, each free from ``max(free_at, now)``; returns the heap size."""
    for k in range(joining.size):
        wid = joining[k]
        if not on[wid]:
            on[wid] = True
            free = free_at[wid]
            size = _push_worker(time, ids, size, free if free > now else now, wid)
    return size


@_jit
def workers_off(
    time: np.ndarray,
    ids: np.ndarray,
    size: int,
    leaving: np.ndarray,
    free_at: np.ndarray,
    on: np.ndarray,
) -> int:
    """Take the on-duty workers of ``leaving`` out of the heap, keeping their free times; returns the heap size."""
    going = np.zeros(on.size, dtype=np.bool_)
    for k in range(leaving.size):
        if on[leaving[k]]:
            going[leaving[k]] = True
    kept = 0
    for k in range(size):
        wid = ids[k]
        if going[wid]:
            free_at[wid] = time[k]
            on[wid] = False
        else:
            time[kept], ids[kept] = time[k], wid
            kept += 1
    for pos in range(kept // 2 - 1, -1, -1):
        _sift_down_worker(time, ids, kept, pos)
    return kept


# -- draws --------------------------------------------------------------------------------------------------------
@_jit
def rework_uniform(key: np.uint64, job: int, rnd: int, k: int) -> float:
    """Uniform ``k`` of :func:`simulator.flow.rework_uniforms` (SplitMix64 at counter (job, rnd, k))."""
    base = (np.uint64(job) << np.uint64(24)) | (np.uint64(rnd) << np.uint64(3))
    z = key + (base + np.uint64(k)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z ^= z >> np.uint64(31)
    return (float(z >> np.uint64(11)) + 0.5) * _UNIT


# Wichura's AS241 coefficients as CPython's statistics module writes them, highest power first.
_CENTRAL_NUM = (
    2.50908_09287_30122_6727e3,
    3.34305_75583_58812_8105e4,
    6.72657_70927_00870_0853e4,
    4.59219_53931_54987_1457e4,
    1.37316_93765_50946_1125e4,
    1.97159_09503_06551_4427e3,
    1.33141_66789_17843_7745e2,
    3.38713_28727_96366_6080e0,
)
_CENTRAL_DEN = (
    5.22649_52788_52854_5610e3,
    2.87290_85735_72194_2674e4,
    3.93078_95800_09271_0610e4,
    2.12137_94301_58659_5867e4,
    5.39419_60214_24751_1077e3,
    6.87187_00749_20579_0830e2,
    4.23133_30701_60091_1252e1,
    1.0,
)
_NEAR_NUM = (
    7.74545_01427_83414_07640e-4,
    2.27238_44989_26918_45833e-2,
    2.41780_72517_74506_11770e-1,
    1.27045_82524_52368_38258e0,
    3.64784_83247_63204_60504e0,
    5.76949_72214_60691_40550e0,
    4.63033_78461_56545_29590e0,
    1.42343_71107_49683_57734e0,
)
_NEAR_DEN = (
    1.05075_00716_44416_84324e-9,
    5.47593_80849_95344_94600e-4,
    1.51986_66563_61645_71966e-2,
    1.48103_97642_74800_74590e-1,
    6.89767_33498_51000_04550e-1,
    1.67638_48301_83803_84940e0,
    2.05319_16266_37758_82187e0,
    1.0,
)
_FAR_NUM = (
    2.01033_43992_92288_13265e-7,
    2.71155_55687_43487_57815e-5,
    1.24266_09473_88078_43860e-3,
    2.65321_89526_57612_30930e-2,
    2.96560_57182_85048_91230e-1,
    1.78482_65399_17291_33580e0,
    5.46378_49111_64114_36990e0,
    6.65790_46435_01103_77720e0,
)
_FAR_DEN = (
    2.04426_31033_89939_78564e-15,
    1.42151_17583_16445_88870e-7,
    1.84631_83175_10054_68180e-5,
    7.86869_13114_56132_59100e-4,
    1.48753_61290_85061_48525e-2,
    1.36929_88092_27358_05310e-1,
    5.99832_20655_58879_37690e-1,
    1.0,
)


@_jit
def _horner(coefficients: tuple[float, ...], r: float) -> float:
    # ((c0 * r + c1) * r + c2) ...: the order CPython's nested expression evaluates in.
    total = coefficients[0]
    for k in range(1, len(coefficients)):
        total = total * r + coefficients[k]
    return total


@_jit
def normal_inv_cdf(p: float) -> float:
    """The standard normal's inverse CDF exactly as CPython's ``statistics.NormalDist().inv_cdf`` computes it."""
    q = p - 0.5
    if math.fabs(q) <= 0.425:
        r = 0.180625 - q * q
        return 0.0 + ((_horner(_CENTRAL_NUM, r) * q) / _horner(_CENTRAL_DEN, r)) * 1.0
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        x = _horner(_NEAR_NUM, r) / _horner(_NEAR_DEN, r)
    else:
        r = r - 5.0
        x = _horner(_FAR_NUM, r) / _horner(_FAR_DEN, r)
    if q < 0.0:
        x = -x
    return 0.0 + (x * 1.0)


@_jit
def service_factor(dist: int, cv: float, u: float) -> float:
    """:func:`simulator.flow.service_factor` with the distribution as a code (``cv == 0`` already folded in)."""
    if dist == DIST_EXPONENTIAL:
        return -math.log(u)
    if dist == DIST_FIXED:
        return 1.0
    sigma2 = math.log1p(cv * cv)
    return math.exp(-sigma2 / 2.0 + math.sqrt(sigma2) * normal_inv_cdf(u))


# -- the loops ----------------------------------------------------------------------------------------------------
@_jit
def advance_plain(
    until: float,
    state: np.ndarray,
    arr: np.ndarray,
    work: np.ndarray,
    start: np.ndarray,
    who: np.ndarray,
    speed: np.ndarray,
    heap_free: np.ndarray,
    heap_id: np.ndarray,
    heap_size: int,
) -> None:
    """``KernelFlow._advance_plain``: no review, labeling is the only stage."""
    i, n = state[NEXT_JOB], arr.size
    while i < n:
        a = arr[i]
        free = heap_free[0]
        s = a if a > free else free
        if s >= until:
            break
        lid = heap_id[0]
        _replace_worker(heap_free, heap_id, heap_size, s + work[i] * speed[lid], lid)
        start[i] = s
        who[i] = lid
        i += 1
    state[NEXT_JOB] = i


@_jit
def advance_with_review(
    until: float,
    state: np.ndarray,
    jobs_f: tuple[np.ndarray, ...],
    jobs_i: tuple[np.ndarray, ...],
    labelers: tuple[np.ndarray, ...],
    labeler_heap: tuple[np.ndarray, np.ndarray, int],
    reviewers: tuple[np.ndarray, np.ndarray, np.ndarray, int],
    queues: tuple[np.ndarray, ...],
    params: tuple[float, float, float, float, float, np.uint64, int, int],
) -> None:
    """``KernelFlow._advance_with_review`` statement for statement: labeling, review and rework, FCFS."""
    arr, work, start, done, uerr, udet, rtime, review_start, job_mean = jobs_f
    who, reviewed = jobs_i
    speed, error, rework_busy, rework_labels = labelers
    hf, hi, hsize = labeler_heap
    rf, ri, review_busy, rsize = reviewers
    qf, qi, qg, wf, wi, wg = queues
    share, detect, review_mean, rework_factor, cv, key, rework_mode, dist = params
    inf = math.inf
    i, rix, n = state[NEXT_JOB], state[NEXT_REVIEWED], arr.size
    qsize, wsize = state[REVIEW_QUEUE], state[REWORK_QUEUE]
    reviews, thumbs_down = state[REVIEWS], state[THUMBS_DOWN]
    next_reviewed = reviewed[rix]
    # The review queue's payload packs (round, erroneous) as 2 * round + erroneous; the rework queue's is the round.
    while True:
        if qsize > 0 and rsize > 0:
            r, rfree = qf[0], rf[0]
            s_review = r if r > rfree else rfree
        else:
            s_review = inf
        limit = s_review if s_review < until else until
        rework_ready = wf[0] if wsize > 0 else inf
        if hsize > 0:
            while i < n:
                a = arr[i]
                if rework_ready <= a:
                    break
                free, lid = hf[0], hi[0]
                s = a if a > free else free
                if s >= limit:
                    break
                fin = s + work[i] * speed[lid]
                _replace_worker(hf, hi, hsize, fin, lid)
                start[i] = s
                who[i] = lid
                if i == next_reviewed:
                    qsize = _push(qf, qi, qg, qsize, fin, i, 1 if uerr[i] < error[lid] else 0)
                    rix += 1
                    next_reviewed = reviewed[rix]
                    if rsize > 0:
                        r, rfree = qf[0], rf[0]
                        s_review = r if r > rfree else rfree
                        if s_review < limit:
                            limit = s_review
                i += 1
        s_label = inf
        from_rework = False
        if hsize > 0 and (wsize > 0 or i < n):
            a = arr[i] if i < n else inf
            from_rework = wsize > 0 and wf[0] <= a
            if from_rework:
                a = wf[0]
            free = hf[0]
            s_label = a if a > free else free
        if qsize > 0 and rsize > 0:
            r, rfree = qf[0], rf[0]
            s_review = r if r > rfree else rfree
        else:
            s_review = inf
        if s_review < s_label:
            if s_review >= until:
                break
            job, packed = qi[0], qg[0]
            qsize = _pop(qf, qi, qg, qsize)
            bad, rnd = packed & 1, packed >> 1
            rid = ri[0]
            if rnd == 0:
                rt, u_detect = rtime[job], udet[job]
                review_start[job] = s_review
            else:
                u_detect = rework_uniform(key, job, rnd, 3)
                rt = -review_mean * math.log(rework_uniform(key, job, rnd, 2))
            _replace_worker(rf, ri, rsize, s_review + rt, rid)
            review_busy[rid] += rt
            reviews += 1
            if bad == 1 and u_detect < detect:
                thumbs_down += 1
                wsize = _push(wf, wi, wg, wsize, s_review + rt, job, rnd + 1)
            else:
                done[job] = s_review + rt
            continue
        if s_label >= until:
            break
        lid = hi[0]
        if from_rework:
            job, rnd = wi[0], wg[0]
            wsize = _pop(wf, wi, wg, wsize)
            if rework_mode == REWORK_REUSE:
                hours = work[job] * rework_factor
            else:
                hours = job_mean[job] * service_factor(dist, cv, rework_uniform(key, job, rnd, 4)) * rework_factor
            w = hours * speed[lid]
            bad = 1 if rework_uniform(key, job, rnd, 1) < error[lid] else 0
            rework_busy[lid] += w
            rework_labels[lid] += 1
            fin = s_label + w
            if rework_uniform(key, job, rnd, 0) < share:
                qsize = _push(qf, qi, qg, qsize, fin, job, 2 * rnd + bad)
            else:
                done[job] = fin
        else:
            job = i
            fin = s_label + work[job] * speed[lid]
            start[job] = s_label
            who[job] = lid
            i += 1
            if job == next_reviewed:
                qsize = _push(qf, qi, qg, qsize, fin, job, 1 if uerr[job] < error[lid] else 0)
                rix += 1
                next_reviewed = reviewed[rix]
        _replace_worker(hf, hi, hsize, fin, lid)
    state[NEXT_JOB], state[NEXT_REVIEWED], state[REVIEW_QUEUE], state[REWORK_QUEUE] = i, rix, qsize, wsize
    state[REVIEWS], state[THUMBS_DOWN] = reviews, thumbs_down
