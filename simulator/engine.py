"""The simulation engine: one replication of a scenario.

SimPy drives the workforce: every person is an individual with a pool, a stage (hiring, training,
production) and a tenure; hiring runs through a recruiting pipeline with limited concurrent hires, then
training on shift time and a test; attrition is a per-person hazard; shifts turn labelers on and off duty;
a staffing policy decides hires on its cadence; each day the learning and quality curves update every
labeler. The per-task flow (labeling, review, rework) runs in a :class:`simulator.kernel.KernelFlow` that the
engine advances before every workforce change, or in the plain SimPy :class:`simulator.reference.ReferenceFlow`.

Randomness: one ``SeedSequence`` is spawned into independent streams (demand, jobs, review, workforce,
rework); same seed, same result.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import simpy

from simulator.accounting import DayRecord, PoolDay, assemble_result
from simulator.calendar import after_working_hours, shift_windows
from simulator.flow import Flow, FlowInputs, FlowOutputs
from simulator.interfaces import PoolStatus, StaffingState
from simulator.kernel import KernelFlow, kernel_flow
from simulator.reference import ReferenceFlow
from simulator.registry import Models, build_models, call_plugin
from simulator.results import SimulationResult
from simulator.scenario import MAX_PEOPLE, Distribution, Pool, Scenario, ScenarioError
from simulator.stages import StageFigures, stage_figures

__all__ = ["FlowName", "build_flow_inputs", "choose_projects", "run_replication", "sample_duration"]

FlowName = Literal["kernel", "reference"]

_HOURS_PER_WEEK = 168.0


def sample_duration(dist: Distribution, rng: np.random.Generator) -> float:
    """One draw of ``dist`` (same unit as its mean)."""
    mean, cv = dist.mean, dist.cv
    if dist.kind == "fixed" or mean == 0.0 or (cv == 0.0 and dist.kind != "exponential"):
        return mean
    if dist.kind == "exponential":
        return float(rng.exponential(mean))
    if dist.kind == "gamma":
        shape = 1.0 / (cv * cv)
        return float(rng.gamma(shape, mean / shape))
    sigma2 = math.log1p(cv * cv)
    return float(rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)))


def _service_factors(scenario: Scenario, rng: np.random.Generator, n: int) -> np.ndarray:
    service = scenario.service_time
    if service.distribution == "exponential":
        return rng.exponential(1.0, n)
    if service.distribution == "fixed" or service.cv == 0.0:
        return np.ones(n)
    sigma2 = math.log1p(service.cv**2)
    return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), n)


# Up to this many projects, a comparison per boundary beats the binary search.
_PROJECT_COMPARISONS = 8


def choose_projects(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """``rng.choice(p.size, size=n, p=p)`` as int64, the same values from the same uniforms (numpy draws one
    uniform per pick and binary-searches its normalised CDF): with a few projects, counting the boundaries each
    uniform passes takes a fraction of the search's time over millions of tasks."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    uniforms = rng.random(n)
    if p.size > _PROJECT_COMPARISONS:
        return cdf.searchsorted(uniforms, side="right").astype(np.int64, copy=False)
    project = np.zeros(n, dtype=np.int64)
    for edge in cdf[:-1].tolist():
        project += uniforms >= edge  # the search's side="right": a uniform equal to an edge goes above it
    return project


@dataclass(frozen=True)
class _Jobs:
    inputs: FlowInputs
    task_arrival: np.ndarray
    task_project: np.ndarray
    first_job: np.ndarray | None  # index of each task's first job; None when every task is one job


def build_flow_inputs(
    scenario: Scenario,
    arrivals: np.ndarray,
    jobs_rng: np.random.Generator,
    review_rng: np.random.Generator,
    stream: np.random.Generator,
) -> _Jobs:
    """Expand arriving tasks into label jobs (consensus) with their work and review random numbers."""
    n_tasks = arrivals.size
    projects = scenario.demand.projects
    shares = np.array([p.share for p in projects], dtype=np.float64)
    project = (
        choose_projects(jobs_rng, shares / shares.sum(), n_tasks)
        if len(projects) > 1
        else np.zeros(n_tasks, dtype=np.int64)
    )
    consensus = scenario.consensus
    first_job: np.ndarray | None = None
    job_arrival, job_project = arrivals, project
    if consensus.labels_per_task > 1 and consensus.coverage > 0.0:
        copies = np.ones(n_tasks, dtype=np.int64)
        copies[jobs_rng.random(n_tasks) < consensus.coverage] = consensus.labels_per_task
        first_job = np.concatenate(([0], np.cumsum(copies)[:-1])).astype(np.int64)
        job_arrival = np.repeat(arrivals, copies)
        job_project = np.repeat(project, copies)
    n_jobs = job_arrival.size
    base_hours = np.array([p.minutes_per_label / 60.0 for p in projects]) / (1.0 - scenario.benchmark.overhead_share)
    # Scaled in place: millions of values, and fresh memory is not free.
    work = _service_factors(scenario, jobs_rng, n_jobs)
    work *= base_hours[0] if len(projects) == 1 else base_hours[job_project]
    review = scenario.review
    reviewing = review.share_reviewed > 0.0
    job_mean_hours = None
    if reviewing and review.rework_time == "independent":
        job_mean_hours = np.full(n_jobs, base_hours[0]) if len(projects) == 1 else base_hours[job_project]
    empty = np.empty(0)
    review_mean = review.review_minutes / 60.0
    inputs = FlowInputs(
        arrival=np.ascontiguousarray(job_arrival, dtype=np.float64),
        work=np.ascontiguousarray(work, dtype=np.float64),
        u_review=review_rng.random(n_jobs) if reviewing else empty,
        u_error=review_rng.random(n_jobs) if reviewing else empty,
        u_detect=review_rng.random(n_jobs) if reviewing else empty,
        review_hours=review_rng.exponential(review_mean, n_jobs) if reviewing else empty,
        share_reviewed=review.share_reviewed,
        detection_probability=review.detection_probability,
        rework_time_factor=review.rework_time_factor,
        review_mean_hours=review_mean,
        rework_key=int(stream.integers(0, 1 << 63)),
        rework_time=review.rework_time,
        job_mean_hours=job_mean_hours,
        service_distribution=scenario.service_time.distribution,
        service_cv=scenario.service_time.cv,
    )
    return _Jobs(inputs=inputs, task_arrival=arrivals, task_project=project, first_job=first_job)


class _Meter:
    """Integrates a piecewise-constant count over time (person-hours)."""

    __slots__ = ("last", "total", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.last = 0.0
        self.total = 0.0

    def set(self, now: float, value: float) -> None:
        self.total += self.value * (now - self.last)
        self.last = now
        self.value = value

    def take(self, now: float) -> float:
        self.set(now, self.value)
        total, self.total = self.total, 0.0
        return total


@dataclass
class _Person:
    pool: _PoolRun
    tenure0_weeks: float
    lid: int = -1
    production_start: float = 0.0
    stage: str = "hiring"


@dataclass
class _PoolRun:
    spec: Pool
    index: int
    windows: list[tuple[float, float]]
    recruiters: simpy.Resource
    in_shift: bool = False
    production: dict[int, _Person] = field(default_factory=dict)
    training: int = 0
    hiring: int = 0
    paid: _Meter = field(default_factory=_Meter)
    duty: _Meter = field(default_factory=_Meter)
    hires: int = 0
    trainees: int = 0
    departures: int = 0
    #: Everyone the staffing policy has asked for so far, to refuse a policy that would outgrow any machine.
    asked: int = 0

    def update(self, now: float) -> None:
        on = 1.0 if self.in_shift else 0.0
        self.duty.set(now, on * len(self.production))
        paid_training = self.training if self.spec.paid_training else 0
        self.paid.set(now, on * (len(self.production) + paid_training))


class _Engine:
    def __init__(self, scenario: Scenario, models: Models, seed: np.random.SeedSequence, flow: str) -> None:
        self.scenario = scenario
        self.models = models
        # A sixth stream, for the recorded waits, leaves the first five (and every run without waits) unchanged.
        # A seventh, for which pool newcomers join, leaves the others unchanged too.
        demand_rng, jobs_rng, review_rng, self.rng, stream, self.waits_rng, self.joins_rng = (
            np.random.default_rng(child) for child in seed.spawn(7)
        )
        self.horizon = scenario.horizon_hours
        arrivals = np.asarray(
            call_plugin(
                "demand",
                scenario.demand.model,
                models.demand.arrivals,
                scenario.demand,
                scenario.calendar,
                scenario.horizon_days,
                demand_rng,
            ),
            dtype=np.float64,
        )
        if arrivals.ndim != 1 or (arrivals.size and not (arrivals[0] >= 0 and arrivals[-1] < self.horizon)):
            raise ScenarioError(
                f"demand.model {scenario.demand.model!r} returned arrivals outside the horizon",
                path=("demand", "model"),
            )
        # Accounting relies on sorted arrivals (and a nan would pass the range check above).
        if arrivals.size > 1 and not np.all(arrivals[1:] >= arrivals[:-1]):
            raise ScenarioError(
                f"demand.model {scenario.demand.model!r} returned unsorted or nan arrivals", path=("demand", "model")
            )
        self.jobs = build_flow_inputs(scenario, arrivals, jobs_rng, review_rng, stream)
        self.env = simpy.Environment()
        self.flow: Flow = (
            kernel_flow(self.jobs.inputs) if flow == "kernel" else ReferenceFlow(self.env, self.jobs.inputs)
        )
        self.flow_name = flow
        self.pools = [
            _PoolRun(
                spec=pool,
                index=i,
                windows=shift_windows(
                    scenario.calendar
                    if pool.working_days is None
                    else replace(scenario.calendar, working_days=pool.working_days),
                    pool.shift_offset_hours,
                    pool.shift_hours,
                    scenario.horizon_days,
                ),
                recruiters=simpy.Resource(self.env, capacity=pool.max_concurrent_hires),
            )
            for i, pool in enumerate(scenario.workforce)
        ]
        self.pools_by_name = {run.spec.name: run for run in self.pools}
        self.lid_pool: list[int] = []
        self.reviewer_ids = [self.flow.add_reviewer() for _ in range(scenario.review.reviewers)]
        self.review_duty = _Meter()
        self.days: list[DayRecord] = []
        self._last_busy = np.zeros(len(self.pools))
        self._last_labels = np.zeros(len(self.pools))
        self._last_review_busy = 0.0
        self._last_reviews = 0
        self._last_thumbs_down = 0
        self._last_started = 0

    # -- people ----------------------------------------------------------------------------------------------
    def _lifetime_hours(self, pool: Pool) -> float:
        if pool.attrition_per_week <= 0.0:
            return math.inf
        return float(self.rng.exponential(_HOURS_PER_WEEK / pool.attrition_per_week))

    def _life(self, person: _Person, trained: bool, trained_days: float = 0.0) -> Generator[Any, Any, None]:
        env, run = self.env, person.pool
        pool = run.spec
        leave_at = env.now + self._lifetime_hours(pool)
        if not trained:
            person.stage = "training"
            run.training += 1
            run.trainees += 1
            run.update(env.now)
            # Someone part-way through training has ``trained_days`` working days of it behind them.
            training_days = max(pool.platform_training_days + pool.project_training_days - trained_days, 0.0)
            training_hours = training_days * (pool.shift_hours or self.scenario.calendar.hours_per_day)
            ready_at = after_working_hours(run.windows, env.now, training_hours)
            passed = True
            if ready_at < leave_at and ready_at < self.horizon:
                yield env.timeout(ready_at - env.now)
                passed = bool(self.rng.random() < pool.test_pass_probability)
            elif leave_at < self.horizon:
                yield env.timeout(leave_at - env.now)
                passed = False
            else:
                return  # still training when the horizon ends
            self.flow.advance(env.now)
            run.training -= 1
            if not passed:
                person.stage = "gone"
                run.departures += 1
                run.update(env.now)
                return
            run.update(env.now)
            run = person.pool = self._joined(run)
        self._enter_production(person)
        if leave_at < self.horizon:
            yield env.timeout(leave_at - env.now)
            self.flow.advance(env.now)
            self.flow.labelers_off([person.lid])
            del run.production[person.lid]
            person.stage = "gone"
            run.departures += 1
            run.update(env.now)

    def _joined(self, run: _PoolRun) -> _PoolRun:
        """The pool a newcomer of ``run`` works in once in production: drawn from its ``joins``, else its own."""
        joins = run.spec.joins
        if not joins:
            return run
        shares = np.array([share.share for share in joins], dtype=np.float64)
        pick = int(self.joins_rng.choice(shares.size, p=shares / shares.sum()))
        return self.pools_by_name[joins[pick].pool]

    def _enter_production(self, person: _Person) -> None:
        now, run = self.env.now, person.pool
        self.flow.advance(now)
        person.stage = "production"
        person.production_start = now
        speed, error = self._skill(person, now)
        person.lid = self.flow.add_labeler(speed, error)
        self.lid_pool.append(run.index)
        run.production[person.lid] = person
        if run.in_shift:
            self.flow.labelers_on([person.lid], now)
        run.update(now)

    def _skill(self, person: _Person, now: float) -> tuple[float, float]:
        tenure = person.tenure0_weeks + (now - person.production_start) / _HOURS_PER_WEEK
        speed, error = self._curves(tenure)
        return person.pool.spec.speed_factor * speed, error

    def _curves(self, tenure: float) -> tuple[float, float]:
        """The learning curve's time factor and the quality model's error probability at ``tenure``, checked:
        a plugin's negative, zero or NaN time would run labels in no time (or backwards) without a word."""
        scenario = self.scenario
        speed = call_plugin("learning", scenario.learning.model, self.models.learning.time_factor, tenure)
        if isinstance(speed, bool) or not isinstance(speed, int | float | np.number) or not 0.0 < speed < math.inf:
            raise ScenarioError(
                f"learning.model {scenario.learning.model!r} returned a time factor of {speed!r} at tenure "
                f"{tenure:g} weeks; it must be a finite number > 0",
                path=("learning", "model"),
            )
        error = call_plugin("quality", scenario.quality.model, self.models.quality.error_probability, tenure)
        if isinstance(error, bool) or not isinstance(error, int | float | np.number) or math.isnan(error):
            raise ScenarioError(
                f"quality.model {scenario.quality.model!r} returned an error probability of {error!r} at tenure "
                f"{tenure:g} weeks; it must be a number",
                path=("quality", "model"),
            )
        return float(speed), min(1.0, max(0.0, float(error)))

    def _hire(self, run: _PoolRun, searched_days: float = 0.0) -> Generator[Any, Any, None]:
        env = self.env
        run.hiring += 1
        with run.recruiters.request() as slot:
            yield slot
            # A search ``searched_days`` old takes what is left of its duration (at once if it is overdue).
            days = max(sample_duration(run.spec.time_to_hire_days, self.rng) - searched_days, 0.0)
            yield env.timeout(days * 24.0)
        self.flow.advance(env.now)
        run.hiring -= 1
        run.hires += 1
        person = _Person(pool=run, tenure0_weeks=0.0)
        env.process(self._life(person, trained=False))

    # -- clocks ----------------------------------------------------------------------------------------------
    def _shifts(self, run: _PoolRun) -> Generator[Any, Any, None]:
        env = self.env
        for start, end in run.windows:
            if start > env.now:
                yield env.timeout(start - env.now)
            self.flow.advance(env.now)
            run.in_shift = True
            self.flow.labelers_on(list(run.production), env.now)
            run.update(env.now)
            if end >= self.horizon:
                return
            yield env.timeout(end - env.now)
            self.flow.advance(env.now)
            run.in_shift = False
            self.flow.labelers_off(list(run.production))
            run.update(env.now)

    def _review_shifts(self) -> Generator[Any, Any, None]:
        env, review = self.env, self.scenario.review
        windows = shift_windows(
            self.scenario.calendar, review.shift_offset_hours, review.shift_hours, self.scenario.horizon_days
        )
        count = float(len(self.reviewer_ids))
        for start, end in windows:
            if start > env.now:
                yield env.timeout(start - env.now)
            self.flow.advance(env.now)
            self.flow.reviewers_on(self.reviewer_ids, env.now)
            self.review_duty.set(env.now, count)
            if end >= self.horizon:
                return
            yield env.timeout(end - env.now)
            self.flow.advance(env.now)
            self.flow.reviewers_off(self.reviewer_ids)
            self.review_duty.set(env.now, 0.0)

    def _days(self) -> Generator[Any, Any, None]:
        for day in range(self.scenario.horizon_days - 1):
            yield self.env.timeout((day + 1) * 24.0 - self.env.now)
            self._record_day(day)
            self._update_skills()

    def _update_skills(self) -> None:
        # _skill, unrolled over everyone in production: this runs daily for every labeler. The curves are
        # functions of tenure, and people who started together share it (a whole initial pool does), so each
        # tenure is evaluated once a day.
        now = self.env.now
        set_skill = self.flow.set_skill
        curves: dict[float, tuple[float, float]] = {}
        for run in self.pools:
            speed_factor = run.spec.speed_factor
            for lid, person in run.production.items():
                tenure = person.tenure0_weeks + (now - person.production_start) / _HOURS_PER_WEEK
                curve = curves.get(tenure)
                if curve is None:
                    curve = curves[tenure] = self._curves(tenure)
                set_skill(lid, speed_factor * curve[0], curve[1])

    def _record_day(self, day: int) -> None:
        now = self.env.now
        flow = self.flow
        flow.advance(now)
        lid_pool = np.asarray(self.lid_pool, dtype=np.int64)
        n_pools = len(self.pools)
        busy = np.bincount(lid_pool, weights=flow.busy_hours(), minlength=n_pools).astype(np.float64)
        labels = np.bincount(lid_pool, weights=flow.labels_done(), minlength=n_pools).astype(np.float64)
        pools = []
        for run in self.pools:
            pools.append(
                PoolDay(
                    production=len(run.production),
                    training=run.training,
                    hiring=run.hiring,
                    paid_hours=run.paid.take(now),
                    duty_hours=run.duty.take(now),
                    busy_hours=float(busy[run.index] - self._last_busy[run.index]),
                    labels=float(labels[run.index] - self._last_labels[run.index]),
                    hires=run.hires,
                    trainees=run.trainees,
                    departures=run.departures,
                )
            )
            run.hires = run.trainees = run.departures = 0
        self._last_busy, self._last_labels = busy, labels
        review_busy = float(sum(flow.review_busy))
        started = flow.started
        ontime, known = self._ontime(self._last_started, started)
        self.days.append(
            DayRecord(
                pools=tuple(pools),
                reviewer_hours=self.review_duty.take(now),
                review_busy_hours=review_busy - self._last_review_busy,
                reviews=flow.reviews - self._last_reviews,
                thumbs_down=flow.thumbs_down - self._last_thumbs_down,
                waiting=flow.waiting(now),
                jobs_arrived=int(np.searchsorted(self.jobs.inputs.arrival, now, side="right")),
                sla_signal=ontime / known if known else math.nan,
            )
        )
        self._last_review_busy = review_busy
        self._last_reviews, self._last_thumbs_down = flow.reviews, flow.thumbs_down
        self._last_started = started

    def _ontime(self, lo: int, hi: int) -> tuple[int, int]:
        """Of jobs first started in [lo, hi), how many are known accepted, and how many within the SLA."""
        if hi <= lo:
            return 0, 0
        done = self._done_view()[lo:hi]
        arrival = self.jobs.inputs.arrival[lo:hi]
        known = np.isfinite(done) & (done <= self.env.now)
        ontime = known & (done - arrival <= self.scenario.sla.turnaround_hours)
        return int(ontime.sum()), int(known.sum())

    def _done_view(self) -> np.ndarray:
        flow = self.flow
        if isinstance(flow, KernelFlow):
            return flow.done_view()
        assert isinstance(flow, ReferenceFlow)
        return flow.out.done

    def _staffing(self) -> Generator[Any, Any, None]:
        policy = self.models.staffing
        interval = policy.interval_days
        if isinstance(interval, bool) or not isinstance(interval, int | float | np.number) or not interval > 0.0:
            # 0 or NaN used to mean "never decide" silently; a policy that never decides says inf (``fixed``).
            raise ScenarioError(
                f"staffing.model {self.scenario.staffing.model!r} has interval_days {interval!r}; it must be > 0 "
                "(inf: never decide)",
                path=("staffing", "model"),
            )
        if interval == math.inf:
            return
        env = self.env
        names = {run.spec.name: run for run in self.pools}
        # The first decision is at hour 0 (with no history yet), so a hire planned for day 0 starts on day 0.
        at = 0.0
        while at < self.horizon:
            if at > env.now:
                yield env.timeout(at - env.now)
            self.flow.advance(env.now)
            decision = call_plugin("staffing", self.scenario.staffing.model, policy.decide, self._staffing_state())
            if not isinstance(decision, Mapping):
                raise ScenarioError(
                    f"staffing.model {self.scenario.staffing.model!r} must return a mapping", path=("staffing", "model")
                )
            for name, count in decision.items():
                if name not in names:
                    raise ScenarioError(
                        f"staffing.model asked to hire into unknown pool {name!r}", path=("staffing", "model")
                    )
                if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
                    raise ScenarioError(
                        f"staffing.model returned hires for {name!r} of {count!r}", path=("staffing", "model")
                    )
                run = names[name]
                run.asked += int(count)
                if run.asked > MAX_PEOPLE:
                    raise ScenarioError(
                        f"staffing.model asked for {run.asked:,} hires into {name!r} by day {at / 24.0:g}; "
                        f"a pool takes at most {MAX_PEOPLE:,}",
                        path=("staffing", "model"),
                    )
                for _ in range(int(count)):
                    env.process(self._hire(run))
            at += interval * 24.0

    def _staffing_state(self) -> StaffingState:
        days = self.days
        arrived = np.array([d.jobs_arrived for d in days], dtype=np.float64)
        recent = days[-7:]
        busy = sum(p.busy_hours for d in recent for p in d.pools)
        labels = sum(p.labels for d in recent for p in d.pools)
        duty = sum(p.duty_hours for d in recent for p in d.pools)
        headcount_days = sum(p.production for d in recent for p in d.pools)
        calendar = self.scenario.calendar
        projects = self.scenario.demand.projects
        fallback_minutes = sum(p.minutes_per_label * p.share for p in projects) / sum(p.share for p in projects)
        return StaffingState(
            day=self.env.now / 24.0,
            pools=tuple(
                PoolStatus(
                    name=run.spec.name,
                    vendor=run.spec.vendor,
                    production=len(run.production),
                    training=run.training,
                    hiring=run.hiring,
                    max_concurrent_hires=run.spec.max_concurrent_hires,
                    initial_production=run.spec.headcount.production,
                )
                for run in self.pools
            ),
            backlog=np.array([d.waiting for d in days], dtype=np.float64),
            arrivals=np.diff(np.concatenate(([0.0], arrived))),
            sla_attainment=np.array([d.sla_signal for d in days], dtype=np.float64),
            minutes_per_label=busy * 60.0 / labels if labels else fallback_minutes,
            labeler_hours_per_day=(
                duty / headcount_days if headcount_days else calendar.hours_per_day * len(calendar.working_days) / 7.0
            ),
            sla=self.scenario.sla,
        )

    # -- run -------------------------------------------------------------------------------------------------
    def run(self, keep_tasks: bool) -> SimulationResult:
        env = self.env
        for run in self.pools:
            pool = run.spec
            tenures = pool.production_tenure_weeks
            for i in range(pool.headcount.production):
                person = _Person(pool=run, tenure0_weeks=tenures[i] if i < len(tenures) else pool.initial_tenure_weeks)
                env.process(self._life(person, trained=True))
            trained, searched = pool.training_done_days, pool.hiring_done_days
            for i in range(pool.headcount.training):
                done = trained[i] if i < len(trained) else 0.0
                env.process(self._life(_Person(pool=run, tenure0_weeks=0.0), trained=False, trained_days=done))
            for i in range(pool.headcount.hiring):
                env.process(self._hire(run, searched[i] if i < len(searched) else 0.0))
            env.process(self._shifts(run))
        if self.reviewer_ids:
            env.process(self._review_shifts())
        env.process(self._days())
        env.process(self._staffing())
        env.run(until=self.horizon)
        self._record_day(self.scenario.horizon_days - 1)
        outputs = self.flow.finish()
        result = assemble_result(
            scenario=self.scenario,
            models=self.models,
            flow=self.flow_name,
            days=self.days,
            outputs=outputs,
            task_arrival=self.jobs.task_arrival,
            task_project=self.jobs.task_project,
            first_job=self.jobs.first_job,
            busy_total=float(self.flow.busy_hours().sum()),
            keep_tasks=keep_tasks,
            stages=self._stages(outputs),
            waits_rng=self.waits_rng,
        )
        # Processes still waiting at the horizon keep this engine in a reference cycle, which only the cyclic
        # garbage collector frees, possibly replications later. Let go of the per-task arrays (hundreds of MB
        # on large scenarios) now, so the next replication reuses their memory instead of fresh pages.
        del self.flow, self.jobs
        return result

    def _stages(self, outputs: FlowOutputs) -> dict[str, StageFigures]:
        inputs, horizon, target = self.jobs.inputs, self.horizon, self.scenario.sla.wait_hours
        labeling = stage_figures(inputs.arrival, outputs.start, outputs.label_end, horizon=horizon, target=target)
        review = StageFigures.undefined()
        if inputs.share_reviewed > 0.0:
            reviewed = inputs.u_review < inputs.share_reviewed
            start = outputs.review_start[reviewed]
            review = stage_figures(
                outputs.label_end[reviewed],
                start,
                start + inputs.review_hours[reviewed],
                horizon=horizon,
                target=target,
            )
        return {"labeling": labeling, "review": review}


def _seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        # A fresh copy: spawning mutates a SeedSequence, and the same seed must give the same run.
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def run_replication(
    scenario: Scenario,
    seed: int | np.random.SeedSequence,
    *,
    flow: FlowName = "kernel",
    keep_tasks: bool = False,
) -> SimulationResult:
    """Simulate ``scenario`` once. ``flow`` picks the fast kernel or the per-task SimPy reference model;
    ``keep_tasks`` keeps per-task records (arrival, start, finish, labeler) in ``result.tasks``."""
    if flow not in ("kernel", "reference"):
        raise ValueError(f"flow must be 'kernel' or 'reference', got {flow!r}")
    engine = _Engine(scenario, build_models(scenario), _seed_sequence(seed), flow)
    return engine.run(keep_tasks)
