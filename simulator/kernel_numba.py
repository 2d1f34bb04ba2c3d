"""The kernel flow with its loops compiled by numba: the pure kernel's results, bit for bit, several times faster.

:class:`NumbaKernelFlow` keeps everything of :class:`simulator.kernel.KernelFlow` that is not per-task work (the
bulk tallies of first-round labels, the outputs, the skill lists the engine updates) and moves the heaps, the
queues and the rework tallies into arrays that the compiled loops of :mod:`simulator.kernel_loops` read and write
in place. Importing this module imports numba.
"""

from __future__ import annotations

import numpy as np

from simulator import kernel_loops as loops
from simulator.flow import FlowInputs
from simulator.kernel import KernelFlow

__all__ = ["NumbaKernelFlow"]


class _Workers:
    """Free times, duty flags, the on-duty heap and per-worker tallies of labelers or reviewers, as arrays.

    Capacity doubles as workers are added; the heap key is (free time, worker id), as in the pure kernel."""

    def __init__(self) -> None:
        self.count = 0
        self.heap_size = 0
        self._allocate(8)

    def _allocate(self, capacity: int) -> None:
        self.free_at = np.zeros(capacity)
        self.on = np.zeros(capacity, dtype=np.bool_)
        self.heap_time = np.zeros(capacity)
        self.heap_id = np.zeros(capacity, dtype=np.int64)
        self.busy = np.zeros(capacity)
        self.jobs = np.zeros(capacity, dtype=np.int64)

    def add(self) -> int:
        if self.count == self.free_at.size:
            old = (self.free_at, self.on, self.heap_time, self.heap_id, self.busy, self.jobs)
            self._allocate(2 * self.count)
            new = (self.free_at, self.on, self.heap_time, self.heap_id, self.busy, self.jobs)
            for source, target in zip(old, new, strict=True):
                target[: source.size] = source
        self.count += 1
        return self.count - 1

    def heap(self) -> tuple[np.ndarray, np.ndarray, int]:
        return self.heap_time, self.heap_id, self.heap_size

    def come_on(self, ids: list[int], now: float) -> None:
        joining = np.asarray(ids, dtype=np.int64)
        self.heap_size = loops.workers_on(*self.heap(), joining, self.free_at, self.on, float(now))

    def go_off(self, ids: list[int]) -> None:
        leaving = np.asarray(ids, dtype=np.int64)
        self.heap_size = loops.workers_off(*self.heap(), leaving, self.free_at, self.on)


def _distribution_code(inputs: FlowInputs) -> int:
    # The branches of simulator.flow.service_factor, in its order.
    if inputs.service_distribution == "exponential":
        return loops.DIST_EXPONENTIAL
    if inputs.service_distribution == "fixed" or inputs.service_cv == 0.0:
        return loops.DIST_FIXED
    return loops.DIST_LOGNORMAL


class NumbaKernelFlow(KernelFlow):
    """:class:`simulator.kernel.KernelFlow` with compiled loops; the same contract and the same results."""

    def __init__(self, inputs: FlowInputs) -> None:
        super().__init__(inputs)
        self._labelers = _Workers()
        self._reviewers = _Workers()
        self._state = np.zeros(loops.STATE_SIZE, dtype=np.int64)
        self._work_array = np.ascontiguousarray(inputs.work, dtype=np.float64)
        if not self._review:
            return
        empty = np.empty(0)
        reviewed = self._reviewed_jobs
        job_mean = empty if inputs.job_mean_hours is None else inputs.job_mean_hours

        def floats(values: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(values, dtype=np.float64)

        self._jobs_f = (
            self._arrival,
            self._work_array,
            self._start_out,
            self._done_out,
            floats(inputs.u_error),
            floats(inputs.u_detect),
            floats(inputs.review_hours),
            self._review_start_out,
            floats(job_mean),
        )
        self._jobs_i = (self._who_out, reviewed.astype(np.int64, copy=False))
        # Only first-round reviewed jobs ever queue for review or rework, each in at most one queue at a time.
        capacity = int(reviewed.size)
        self._queues = (
            np.zeros(capacity),
            np.zeros(capacity, dtype=np.int64),
            np.zeros(capacity, dtype=np.int64),
            np.zeros(capacity),
            np.zeros(capacity, dtype=np.int64),
            np.zeros(capacity, dtype=np.int64),
        )
        self._params = (
            float(inputs.share_reviewed),
            float(inputs.detection_probability),
            float(inputs.review_mean_hours),
            float(inputs.rework_time_factor),
            float(inputs.service_cv),
            np.uint64(inputs.rework_key),
            loops.REWORK_REUSE if inputs.rework_time == "reuse" else loops.REWORK_INDEPENDENT,
            _distribution_code(inputs),
        )

    # -- workforce -------------------------------------------------------------------------------------------
    def add_labeler(self, speed: float, error: float) -> int:
        self.speed.append(speed)
        self.error.append(error)
        self._skills = None
        return self._labelers.add()

    def add_reviewer(self) -> int:
        self.review_busy.append(0.0)
        return self._reviewers.add()

    def labelers_on(self, ids: list[int], now: float) -> None:
        self._labelers.come_on(ids, now)

    def labelers_off(self, ids: list[int]) -> None:
        self._labelers.go_off(ids)

    def reviewers_on(self, ids: list[int], now: float) -> None:
        self._reviewers.come_on(ids, now)

    def reviewers_off(self, ids: list[int]) -> None:
        self._reviewers.go_off(ids)

    def busy_hours(self) -> np.ndarray:
        self._sync()
        self._grow()
        return self._busy_first + self._labelers.busy[: self._labelers.count]

    def labels_done(self) -> np.ndarray:
        self._sync()
        self._grow()
        return self._labels_first + self._labelers.jobs[: self._labelers.count]

    def waiting(self, now: float) -> int:
        arrived = int(np.searchsorted(self._arrival, now, side="right"))
        if not self._review:
            return max(0, arrived - self._i)
        state = self._state
        review_ready, _, _, rework_ready, _, _ = self._queues
        rework = int(np.count_nonzero(rework_ready[: state[loops.REWORK_QUEUE]] <= now))
        review = int(np.count_nonzero(review_ready[: state[loops.REVIEW_QUEUE]] <= now))
        return max(0, arrived - self._i) + rework + review

    # -- the flow ----------------------------------------------------------------------------------------------
    def _advance_plain(self, until: float) -> None:
        labelers = self._labelers
        if labelers.heap_size == 0:
            return
        speed = self._skill_arrays()[0]
        loops.advance_plain(
            float(until), self._state, self._arrival, self._work_array, self._start_out, self._who_out, speed,
            *labelers.heap(),
        )  # fmt: skip
        self._i = int(self._state[loops.NEXT_JOB])

    def _advance_with_review(self, until: float) -> None:
        labelers, reviewers = self._labelers, self._reviewers
        count = labelers.count
        labeler_arrays = (
            *self._skill_arrays(),
            labelers.busy[:count],
            labelers.jobs[:count],
        )
        reviewer_arrays = (
            reviewers.heap_time,
            reviewers.heap_id,
            reviewers.busy,
            reviewers.heap_size,
        )
        loops.advance_with_review(
            float(until),
            self._state,
            self._jobs_f,
            self._jobs_i,
            labeler_arrays,
            labelers.heap(),
            reviewer_arrays,
            self._queues,
            self._params,
        )
        state = self._state
        self._i = int(state[loops.NEXT_JOB])
        self.reviews, self.thumbs_down = int(state[loops.REVIEWS]), int(state[loops.THUMBS_DOWN])
        self.review_busy = reviewers.busy[: reviewers.count].tolist()
