"""The plain per-task SimPy flow: one process per job, workers handed out by a dispatcher.

It implements the same semantics as :mod:`simulator.kernel` (see :mod:`simulator.flow`) the obvious way, so
tests can compare the two task by task and benchmarks can measure the kernel against it. A job process asks
its stage for a worker and waits; at the end of each instant (after every other event at that time) a
dispatcher hands idle workers to waiting jobs in the documented tie-break order: jobs by (ready time, rework
first, job index), workers by (time they became free, id).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from heapq import heapify, heappop, heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import EventPriority

from simulator.flow import FlowInputs, FlowOutputs, rework_uniforms

__all__ = ["ReferenceFlow"]

# SimPy runs events at equal times by (priority, creation order); NORMAL is 1, so priority 2 runs after them.
_AFTER_NORMAL = EventPriority(2)
_REWORK, _FRESH = 0, 1


class _EndOfInstant(simpy.Event):
    """An event that fires at the current time after every NORMAL-priority event already due then."""

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority=_AFTER_NORMAL)


class _Stage:
    """One stage (labeling or review): who is on duty, who is idle since when, and which jobs wait."""

    def __init__(self) -> None:
        self.on: list[bool] = []
        self.working: list[bool] = []
        self.idle: list[tuple[float, int]] = []  # (free since, worker id)
        self.queue: list[tuple[float, int, int, simpy.Event]] = []  # (ready, rework first, job, wake-up)

    def add(self) -> int:
        self.on.append(False)
        self.working.append(False)
        return len(self.on) - 1

    def release(self, wid: int, now: float) -> None:
        self.working[wid] = False
        if self.on[wid]:
            heappush(self.idle, (now, wid))

    def set_on(self, ids: list[int], now: float) -> None:
        for wid in ids:
            if not self.on[wid]:
                self.on[wid] = True
                if not self.working[wid]:
                    heappush(self.idle, (now, wid))

    def set_off(self, ids: list[int]) -> None:
        leaving = {wid for wid in ids if self.on[wid]}
        for wid in leaving:
            self.on[wid] = False
        # Idle workers leave now; busy ones are not put back when they finish.
        self.idle[:] = [entry for entry in self.idle if entry[1] not in leaving]
        heapify(self.idle)

    def dispatch(self) -> None:
        while self.queue and self.idle:
            *_, wake = heappop(self.queue)
            _, wid = heappop(self.idle)
            self.working[wid] = True
            wake.succeed(wid)


class ReferenceFlow:
    """Per-task flow as SimPy processes; :meth:`advance` has nothing to do because SimPy runs the jobs."""

    def __init__(self, env: simpy.Environment, inputs: FlowInputs) -> None:
        self._env = env
        self._in = inputs
        self.out = FlowOutputs.empty(inputs.n_jobs)
        self._labeling = _Stage()
        self._review = _Stage()
        self._dispatch_pending = False
        self.speed: list[float] = []
        self.error: list[float] = []
        self.busy: list[float] = []
        self.labels: list[int] = []
        self.review_busy: list[float] = []
        self.reviews = 0
        self.thumbs_down = 0
        self._started = 0
        env.process(self._source())

    # -- workforce -------------------------------------------------------------------------------------------
    def add_labeler(self, speed: float, error: float) -> int:
        self.speed.append(speed)
        self.error.append(error)
        self.busy.append(0.0)
        self.labels.append(0)
        return self._labeling.add()

    def set_skill(self, lid: int, speed: float, error: float) -> None:
        self.speed[lid] = speed
        self.error[lid] = error

    def busy_hours(self) -> np.ndarray:
        return np.asarray(self.busy, dtype=np.float64)

    def labels_done(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=np.float64)

    def add_reviewer(self) -> int:
        self.review_busy.append(0.0)
        return self._review.add()

    def labelers_on(self, ids: list[int], now: float) -> None:
        self._labeling.set_on(ids, now)
        self._wake()

    def labelers_off(self, ids: list[int]) -> None:
        self._labeling.set_off(ids)

    def reviewers_on(self, ids: list[int], now: float) -> None:
        self._review.set_on(ids, now)
        self._wake()

    def reviewers_off(self, ids: list[int]) -> None:
        self._review.set_off(ids)

    # -- counters the engine reads -----------------------------------------------------------------------------
    @property
    def started(self) -> int:
        return self._started

    def waiting(self, now: float) -> int:
        return len(self._labeling.queue) + len(self._review.queue)

    def advance(self, until: float) -> None:
        return None

    # -- dispatching -------------------------------------------------------------------------------------------
    def _wake(self) -> None:
        if not self._dispatch_pending:
            self._dispatch_pending = True
            _EndOfInstant(self._env).callbacks.append(self._dispatch)

    def _dispatch(self, _: simpy.Event) -> None:
        self._dispatch_pending = False
        self._labeling.dispatch()
        self._review.dispatch()

    def _ask(self, stage: _Stage, rank: int, job: int) -> simpy.Event:
        wake = self._env.event()
        heappush(stage.queue, (self._env.now, rank, job, wake))
        self._wake()
        return wake

    # -- the jobs ----------------------------------------------------------------------------------------------
    def _source(self) -> Generator[Any, Any, None]:
        env = self._env
        for job, arrival in enumerate(self._in.arrival.tolist()):
            if arrival > env.now:
                yield env.timeout(arrival - env.now)
            env.process(self._job(job))

    def _job(self, job: int) -> Generator[Any, Any, None]:
        env, inputs, out = self._env, self._in, self.out
        share = inputs.share_reviewed
        key = inputs.rework_key
        rnd = 0
        while True:
            lid = yield self._ask(self._labeling, _FRESH if rnd == 0 else _REWORK, job)
            now = env.now
            if rnd == 0:
                out.start[job] = now
                out.labeler[job] = lid
                self._started += 1
                w = float(inputs.work[job]) * self.speed[lid]
                reviewed = share > 0.0 and inputs.u_review[job] < share
                bad = share > 0.0 and inputs.u_error[job] < self.error[lid]
            else:
                u_reviewed, u_bad, u_time, u_detect, u_work = rework_uniforms(key, job, rnd)
                w = inputs.rework_hours(job, u_work) * self.speed[lid]
                reviewed = u_reviewed < share
                bad = u_bad < self.error[lid]
            self.busy[lid] += w
            self.labels[lid] += 1
            yield env.timeout(w)
            if rnd == 0:
                out.label_end[job] = env.now
            self._labeling.release(lid, env.now)
            self._wake()
            if not reviewed:
                out.done[job] = env.now
                return
            rid = yield self._ask(self._review, 0, job)
            if rnd == 0:
                out.review_start[job] = env.now
                rt = float(inputs.review_hours[job])
                u_detect = float(inputs.u_detect[job])
            else:
                rt = -inputs.review_mean_hours * math.log(u_time)
            self.review_busy[rid] += rt
            self.reviews += 1
            caught = bad and u_detect < inputs.detection_probability
            yield env.timeout(rt)
            self._review.release(rid, env.now)
            self._wake()
            if not caught:
                out.done[job] = env.now
                return
            self.thumbs_down += 1
            rnd += 1

    def finish(self) -> FlowOutputs:
        return self.out
