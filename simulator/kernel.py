"""The fast per-task flow: FCFS labeling and review stages computed with heaps of worker free-times.

This is the "server free-times" recursion (Ebert et al., J. Stat. Softw. 95(5), 2020): a job ready at ``a``
takes the on-duty labeler that frees first, at ``max(a, free)``. Each labeler has a speed factor (the learning
curve) and an error probability. A reviewed label queues for a reviewer; a thumbs-down sends it back to the
labeling queue as rework. The engine calls :meth:`KernelFlow.advance` before every workforce change, so the
set of on-duty workers is constant inside each call.

Both stages stay exact FCFS because the kernel always processes whichever stage starts its next job first:
a job that starts later can only create work that is ready later still. Ties follow the order documented in
:mod:`simulator.flow`: heaps keyed (ready, job) and (free time, worker id), rework before a fresh arrival
ready at the same time, and a job starting exactly at ``until`` waits for the next call (after the engine's
changes at that instant).

:func:`kernel_flow` gives the engine this kernel or its compiled twin (:mod:`simulator.kernel_numba`), which runs
the same loops under numba with the same results, bit for bit.
"""

from __future__ import annotations

import math
import os
from heapq import heapify, heappop, heappush, heapreplace
from typing import cast

import numpy as np

from simulator.extras import require
from simulator.flow import FlowInputs, FlowOutputs, rework_uniforms

__all__ = ["KERNELS", "KERNEL_ENV", "KernelFlow", "kernel_flow"]

KERNEL_ENV = "LABELOPS_KERNEL"
KERNELS = ("auto", "numba", "python")

_INF = math.inf


# The loop reads and writes numpy arrays through memoryviews: an element comes out as a plain Python float or
# int, about as fast as from array.array or a list, without copying millions of values first. Writes go
# straight into the array (a view of a contiguous array is the array's own memory).
def _floats(values: np.ndarray) -> memoryview[float]:
    return cast("memoryview[float]", np.ascontiguousarray(values, dtype=np.float64).data)


def _ints(values: np.ndarray) -> memoryview[int]:
    return np.ascontiguousarray(values, dtype=np.int64).data


class KernelFlow:
    """Per-task flow for one replication; see :class:`simulator.flow.Flow` for the contract."""

    def __init__(self, inputs: FlowInputs) -> None:
        self._in = inputs
        n = inputs.n_jobs
        self._n = n
        self._arrival = np.ascontiguousarray(inputs.arrival, dtype=np.float64)
        self._arr = _floats(self._arrival)
        self._work = _floats(inputs.work)
        self._review = inputs.share_reviewed > 0.0
        if self._review:
            self._uerr = _floats(inputs.u_error)
            self._udet = _floats(inputs.u_detect)
            self._rtime = _floats(inputs.review_hours)
            # First-round jobs that go to review, known up front, then a sentinel no job index reaches.
            reviewed = np.flatnonzero(np.asarray(inputs.u_review) < inputs.share_reviewed)
            self._reviewed_jobs = np.append(reviewed, n)
            self._reviewed = _ints(self._reviewed_jobs)
            self._ri = 0
        # Outputs, written in place: first start (nan until started), acceptance (inf until known), first labeler.
        self._start_out = np.full(n, np.nan)
        self._done_out = np.full(n, np.inf)
        self._who_out = np.full(n, -1, dtype=np.int64)
        self._label_end_out = np.full(n, np.nan)
        self._review_start_out = np.full(n, np.nan)
        self._review_start = _floats(self._review_start_out)
        self._start = _floats(self._start_out)
        self._done = _floats(self._done_out)
        self._who = _ints(self._who_out)
        self._i = 0
        self._now = 0.0
        # Labelers: heap of (free time, id) for those on duty; free times of those off duty.
        self._heap: list[tuple[float, int]] = []
        self._rheap: list[tuple[float, int]] = []
        self._free_at: list[float] = []
        self._rfree_at: list[float] = []
        self._on: list[bool] = []
        self._ron: list[bool] = []
        self.speed: list[float] = []
        self.error: list[float] = []
        # speed and error as arrays, rebuilt only after they change (daily): the engine advances the flow
        # about ten times a day, and converting hundreds of floats each time costs more than some advances.
        self._skills: tuple[np.ndarray, np.ndarray] | None = None
        # First-round labels are tallied in bulk by _sync (speeds only change after a sync); rework by the loop.
        self._synced = 0
        self._busy_first = np.zeros(0)
        self._labels_first = np.zeros(0)
        self._rework_busy: list[float] = []
        self._rework_labels: list[int] = []
        self.review_busy: list[float] = []
        self.reviews = 0
        self.thumbs_down = 0
        # Review queue entries (ready, job, erroneous, round); rework queue entries (ready, job, round).
        self._revq: list[tuple[float, int, bool, int]] = []
        self._rwq: list[tuple[float, int, int]] = []

    # -- workforce -------------------------------------------------------------------------------------------
    def add_labeler(self, speed: float, error: float) -> int:
        self._free_at.append(0.0)
        self._on.append(False)
        self.speed.append(speed)
        self.error.append(error)
        self._skills = None
        self._rework_busy.append(0.0)
        self._rework_labels.append(0)
        return len(self.speed) - 1

    def set_skill(self, lid: int, speed: float, error: float) -> None:
        # Runs daily for every labeler: the check spares a call when first-round labels are already tallied.
        if speed != self.speed[lid] and self._synced < self._i:
            self._sync()
        self.speed[lid] = speed
        self.error[lid] = error
        self._skills = None

    def _skill_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(speed, error) per labeler as float arrays."""
        if self._skills is None:
            self._skills = (np.asarray(self.speed, dtype=np.float64), np.asarray(self.error, dtype=np.float64))
        return self._skills

    def _grow(self) -> None:
        n_labelers = len(self.speed)
        if self._busy_first.size < n_labelers:
            self._busy_first = np.concatenate((self._busy_first, np.zeros(n_labelers - self._busy_first.size)))
            self._labels_first = np.concatenate((self._labels_first, np.zeros(n_labelers - self._labels_first.size)))

    def _sync(self) -> None:
        """Tally first-round labels started since the last sync: busy hours, counts, and acceptance of the
        unreviewed ones (computed exactly as the loop would: start + work * speed)."""
        lo, hi = self._synced, self._i
        if hi <= lo:
            return
        self._grow()
        n_labelers = len(self.speed)
        who = self._who_out[lo:hi]
        work = self._in.work[lo:hi] * self._skill_arrays()[0][who]
        self._busy_first += np.bincount(who, weights=work, minlength=n_labelers)
        self._labels_first += np.bincount(who, minlength=n_labelers)
        finish = self._start_out[lo:hi] + work
        self._label_end_out[lo:hi] = finish
        done = self._done_out[lo:hi]
        if self._review:
            unreviewed = self._in.u_review[lo:hi] >= self._in.share_reviewed
            done[unreviewed] = finish[unreviewed]
        else:
            done[:] = finish
        self._synced = hi

    def busy_hours(self) -> np.ndarray:
        """Labeling hours per labeler so far (counted when a label starts)."""
        self._sync()
        self._grow()
        return self._busy_first + np.asarray(self._rework_busy)

    def labels_done(self) -> np.ndarray:
        """Labels started per labeler so far, rework included."""
        self._sync()
        self._grow()
        return self._labels_first + np.asarray(self._rework_labels, dtype=np.float64)

    def add_reviewer(self) -> int:
        self._rfree_at.append(0.0)
        self._ron.append(False)
        self.review_busy.append(0.0)
        return len(self._ron) - 1

    def labelers_on(self, ids: list[int], now: float) -> None:
        heap, free_at, on = self._heap, self._free_at, self._on
        for lid in ids:
            if not on[lid]:
                on[lid] = True
                heappush(heap, (max(free_at[lid], now), lid))

    def labelers_off(self, ids: list[int]) -> None:
        self._off(ids, self._heap, self._free_at, self._on)

    def reviewers_on(self, ids: list[int], now: float) -> None:
        for rid in ids:
            if not self._ron[rid]:
                self._ron[rid] = True
                heappush(self._rheap, (max(self._rfree_at[rid], now), rid))

    def reviewers_off(self, ids: list[int]) -> None:
        self._off(ids, self._rheap, self._rfree_at, self._ron)

    @staticmethod
    def _off(ids: list[int], heap: list[tuple[float, int]], free_at: list[float], on: list[bool]) -> None:
        leaving = {i for i in ids if on[i]}
        if not leaving:
            return
        kept = []
        for free, wid in heap:
            if wid in leaving:
                free_at[wid] = free
                on[wid] = False
            else:
                kept.append((free, wid))
        heap[:] = kept
        heapify(heap)

    # -- counters the engine reads -----------------------------------------------------------------------------
    @property
    def started(self) -> int:
        """First-round jobs started so far (they start in arrival order)."""
        return self._i

    def done_view(self) -> np.ndarray:
        """Acceptance times so far (inf when not yet known), as a view without copying."""
        self._sync()
        return self._done_out

    def waiting(self, now: float) -> int:
        """Jobs ready by ``now`` and waiting for a labeler or a reviewer."""
        arrived = int(np.searchsorted(self._arrival, now, side="right"))
        rework = sum(1 for entry in self._rwq if entry[0] <= now)
        review = sum(1 for entry in self._revq if entry[0] <= now)
        return max(0, arrived - self._i) + rework + review

    # -- the flow ----------------------------------------------------------------------------------------------
    def advance(self, until: float) -> None:
        """Start every job (labeling or review) that starts before ``until`` with the current workforce."""
        if until <= self._now:
            return
        self._now = until
        if self._review:
            self._advance_with_review(until)
        else:
            self._advance_plain(until)

    def _advance_plain(self, until: float) -> None:
        # No review: labeling is the only stage and nothing is ever reworked.
        heap = self._heap
        if not heap:
            return
        i, n = self._i, self._n
        arr, work, start, who = self._arr, self._work, self._start, self._who
        speed = self.speed
        while i < n:
            a = arr[i]
            free, lid = heap[0]
            s = a if a > free else free
            if s >= until:
                break
            heapreplace(heap, (s + work[i] * speed[lid], lid))
            start[i] = s
            who[i] = lid
            i += 1
        self._i = i

    def _advance_with_review(self, until: float) -> None:
        heap, rheap, revq, rwq = self._heap, self._rheap, self._revq, self._rwq
        i, n = self._i, self._n
        arr, work, start, done, who = self._arr, self._work, self._start, self._done, self._who
        uerr, udet, rtime = self._uerr, self._udet, self._rtime
        review_start = self._review_start
        reviewed, ri = self._reviewed, self._ri
        next_reviewed = reviewed[ri]
        speed, error = self.speed, self.error
        rework_busy, rework_labels, review_busy = self._rework_busy, self._rework_labels, self.review_busy
        reviews, thumbs_down = self.reviews, self.thumbs_down
        share = self._in.share_reviewed
        detect = self._in.detection_probability
        review_mean = self._in.review_mean_hours
        key = self._in.rework_key
        rework_hours = self._in.rework_hours
        while True:
            # Next review start (whichever reviewer frees first takes the oldest ready review).
            if revq and rheap:
                r = revq[0][0]
                rfree = rheap[0][0]
                s_review = r if r > rfree else rfree
            else:
                s_review = _INF
            limit = s_review if s_review < until else until
            rework_ready = rwq[0][0] if rwq else _INF
            # Fast path: fresh arrivals, in order, while they start before any review or rework.
            if heap:
                while i < n:
                    a = arr[i]
                    if rework_ready <= a:
                        break
                    free, lid = heap[0]
                    s = a if a > free else free
                    if s >= limit:
                        break
                    fin = s + work[i] * speed[lid]
                    heapreplace(heap, (fin, lid))
                    start[i] = s
                    who[i] = lid
                    if i == next_reviewed:
                        heappush(revq, (fin, i, uerr[i] < error[lid], 0))
                        ri += 1
                        next_reviewed = reviewed[ri]
                        # The new review may start before the current limit.
                        if rheap:
                            r = revq[0][0]
                            rfree = rheap[0][0]
                            s_review = r if r > rfree else rfree
                            if s_review < limit:
                                limit = s_review
                    i += 1
            # Otherwise the next event is a rework job, a review, or nothing before `until`.
            s_label = _INF
            from_rework = False
            if heap and (rwq or i < n):
                a = arr[i] if i < n else _INF
                from_rework = bool(rwq) and rwq[0][0] <= a
                if from_rework:
                    a = rwq[0][0]
                free = heap[0][0]
                s_label = a if a > free else free
            if revq and rheap:
                r = revq[0][0]
                rfree = rheap[0][0]
                s_review = r if r > rfree else rfree
            else:
                s_review = _INF
            if s_review < s_label:
                if s_review >= until:
                    break
                _, job, bad, rnd = heappop(revq)
                rid = rheap[0][1]
                if rnd == 0:
                    rt, u_detect = rtime[job], udet[job]
                    review_start[job] = s_review
                else:
                    _, _, u_time, u_detect, _ = rework_uniforms(key, job, rnd)
                    rt = -review_mean * math.log(u_time)
                heapreplace(rheap, (s_review + rt, rid))
                review_busy[rid] += rt
                reviews += 1
                if bad and u_detect < detect:
                    thumbs_down += 1
                    heappush(rwq, (s_review + rt, job, rnd + 1))
                else:
                    done[job] = s_review + rt
                continue
            if s_label >= until:
                break
            free, lid = heap[0]
            if from_rework:
                _, job, rnd = heappop(rwq)
                u_reviewed, u_bad, _, _, u_work = rework_uniforms(key, job, rnd)
                w = rework_hours(job, u_work) * speed[lid]
                is_reviewed = u_reviewed < share
                bad = u_bad < error[lid]
                rework_busy[lid] += w
                rework_labels[lid] += 1
                fin = s_label + w
                if is_reviewed:
                    heappush(revq, (fin, job, bad, rnd))
                else:
                    done[job] = fin
            else:
                job = i
                fin = s_label + work[job] * speed[lid]
                start[job] = s_label
                who[job] = lid
                i += 1
                if job == next_reviewed:
                    heappush(revq, (fin, job, uerr[job] < error[lid], 0))
                    ri += 1
                    next_reviewed = reviewed[ri]
            heapreplace(heap, (fin, lid))
        self._i, self._ri = i, ri
        self.reviews, self.thumbs_down = reviews, thumbs_down

    def finish(self) -> FlowOutputs:
        """Per-job results once the run is over."""
        self._sync()
        return FlowOutputs(
            start=self._start_out,
            done=self._done_out,
            labeler=self._who_out,
            label_end=self._label_end_out,
            review_start=self._review_start_out,
        )


def kernel_flow(inputs: FlowInputs) -> KernelFlow:
    """The kernel for one replication: compiled with numba when it is installed, else the pure-Python one.

    ``LABELOPS_KERNEL`` forces one (``python`` or ``numba``; ``auto``, the default, picks). Both give the same
    results bit for bit, so the choice is about speed only and a missing numba falls back without a word."""
    choice = os.environ.get(KERNEL_ENV, "").strip().lower() or "auto"
    if choice not in KERNELS:
        raise ValueError(f"{KERNEL_ENV} must be one of {', '.join(KERNELS)}, got {choice!r}")
    if choice == "python":
        return KernelFlow(inputs)
    if choice == "numba":
        require("numba", f"{KERNEL_ENV}=numba")
    else:
        try:
            import numba  # noqa: F401
        except ImportError:
            return KernelFlow(inputs)
    from simulator.kernel_numba import NumbaKernelFlow

    return NumbaKernelFlow(inputs)
