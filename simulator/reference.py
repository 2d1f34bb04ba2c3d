"""The plain per-task SimPy flow: one process per job, labelers and reviewers as items in SimPy Stores.

It implements the same semantics as :mod:`simulator.kernel` (see :mod:`simulator.flow`) the obvious way, so
tests can compare the two and benchmarks can measure the kernel against it. A Store hands out the worker that
was returned first, and serves waiting jobs in the order they asked: FCFS with the earliest-free worker.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.flow import FlowInputs, FlowOutputs

__all__ = ["ReferenceFlow"]


class ReferenceFlow:
    """Per-task flow as SimPy processes; :meth:`advance` has nothing to do because SimPy runs the jobs."""

    def __init__(self, env: simpy.Environment, inputs: FlowInputs) -> None:
        self._env = env
        self._in = inputs
        self.out = FlowOutputs.empty(inputs.n_jobs)
        self._labelers = simpy.Store(env)
        self._reviewers = simpy.Store(env)
        self._on: list[bool] = []
        self._working: list[bool] = []
        self._ron: list[bool] = []
        self._rworking: list[bool] = []
        self.speed: list[float] = []
        self.error: list[float] = []
        self.busy: list[float] = []
        self.labels: list[int] = []
        self.review_busy: list[float] = []
        self.reviews = 0
        self.thumbs_down = 0
        self._started = 0
        self._draws = np.empty(0)
        self._di = 0
        env.process(self._source())

    # -- workforce -------------------------------------------------------------------------------------------
    def add_labeler(self, speed: float, error: float) -> int:
        self._on.append(False)
        self._working.append(False)
        self.speed.append(speed)
        self.error.append(error)
        self.busy.append(0.0)
        self.labels.append(0)
        return len(self.speed) - 1

    def set_skill(self, lid: int, speed: float, error: float) -> None:
        self.speed[lid] = speed
        self.error[lid] = error

    def busy_hours(self) -> np.ndarray:
        return np.asarray(self.busy, dtype=np.float64)

    def labels_done(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=np.float64)

    def add_reviewer(self) -> int:
        self._ron.append(False)
        self._rworking.append(False)
        self.review_busy.append(0.0)
        return len(self._ron) - 1

    def labelers_on(self, ids: list[int], now: float) -> None:
        for lid in ids:
            if not self._on[lid]:
                self._on[lid] = True
                if not self._working[lid]:
                    self._labelers.put(lid)

    def labelers_off(self, ids: list[int]) -> None:
        self._off(ids, self._on, self._labelers)

    def reviewers_on(self, ids: list[int], now: float) -> None:
        for rid in ids:
            if not self._ron[rid]:
                self._ron[rid] = True
                if not self._rworking[rid]:
                    self._reviewers.put(rid)

    def reviewers_off(self, ids: list[int]) -> None:
        self._off(ids, self._ron, self._reviewers)

    @staticmethod
    def _off(ids: list[int], on: list[bool], store: simpy.Store) -> None:
        leaving = {i for i in ids if on[i]}
        for wid in leaving:
            on[wid] = False
        # Idle workers leave the store now; busy ones are not returned to it when they finish.
        store.items[:] = [wid for wid in store.items if wid not in leaving]

    # -- counters the engine reads -----------------------------------------------------------------------------
    @property
    def started(self) -> int:
        return self._started

    def waiting(self, now: float) -> int:
        return len(self._labelers.get_queue) + len(self._reviewers.get_queue)

    def advance(self, until: float) -> None:
        return None

    def _draw(self) -> float:
        if self._di >= self._draws.size:
            self._draws = self._in.stream.random(4096)
            self._di = 0
        value = float(self._draws[self._di])
        self._di += 1
        return value

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
        work = float(inputs.work[job])
        rnd = 0
        while True:
            lid = yield self._labelers.get()
            self._working[lid] = True
            now = env.now
            if rnd == 0:
                out.start[job] = now
                out.labeler[job] = lid
                self._started += 1
                w = work * self.speed[lid]
                reviewed = share > 0.0 and inputs.u_review[job] < share
                bad = share > 0.0 and inputs.u_error[job] < self.error[lid]
            else:
                w = work * inputs.rework_time_factor * self.speed[lid]
                reviewed = self._draw() < share
                bad = self._draw() < self.error[lid]
            self.busy[lid] += w
            self.labels[lid] += 1
            yield env.timeout(w)
            self._working[lid] = False
            if self._on[lid]:
                self._labelers.put(lid)
            if not reviewed:
                out.done[job] = env.now
                return
            rid = yield self._reviewers.get()
            self._rworking[rid] = True
            if rnd == 0:
                rt = float(inputs.review_hours[job])
            else:
                rt = -inputs.review_mean_hours * math.log(1.0 - self._draw())
            self.review_busy[rid] += rt
            self.reviews += 1
            caught = bad and (inputs.u_detect[job] if rnd == 0 else self._draw()) < inputs.detection_probability
            yield env.timeout(rt)
            self._rworking[rid] = False
            if self._ron[rid]:
                self._reviewers.put(rid)
            if not caught:
                out.done[job] = env.now
                return
            self.thumbs_down += 1
            rnd += 1

    def finish(self) -> FlowOutputs:
        return self.out
