"""The scenario: an immutable, validated description of a labeling operation to simulate.

Every part is a frozen dataclass that checks itself in ``__post_init__``; a bad value raises
:class:`ScenarioError` naming the field path and the value. Models with alternatives (demand, learning,
quality, staffing, cost) are chosen by plugin name plus parameters, resolved through :mod:`simulator.registry`.

Units: time inside the simulation is hours from the start of day 0 (a Monday, 00:00 on the reference clock);
scenario fields say their unit in their name (``_days``, ``_hours``, ``_minutes``, ``_weeks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from simulator.scenario_checks import (
    ITEM,
    Key,
    ScenarioError,
    ScenarioPath,
    above,
    amount,
    at_least,
    between,
    check_name,
    finite,
    hours_list,
    int_between,
    invalid,
    path_text,
    weekdays,
)

__all__ = [
    "ITEM",
    "SLA",
    "Benchmark",
    "Calendar",
    "Consensus",
    "Demand",
    "Distribution",
    "Headcount",
    "Key",
    "ModelSpec",
    "Pool",
    "PoolShare",
    "Project",
    "Review",
    "Scenario",
    "ScenarioError",
    "ScenarioPath",
    "ServiceTime",
    "Spike",
    "Waits",
    "invalid",
    "path_text",
]


MAX_TASKS_PER_DAY = 10_000_000
#: Most people a pool may hold in one stage, and reviewers: each is a simulated process with its own state.
MAX_PEOPLE = 100_000
#: The longest horizon, ten years: a replication keeps every day's figures.
MAX_HORIZON_DAYS = 3_653
#: Most labels a consensus task may need: each is a job of its own.
MAX_LABELS_PER_TASK = 100
#: The widest spread (cv) of a random duration. Past it a gamma's shape (1/cv^2) underflows to 0 and a
#: lognormal's log-variance overflows; long before that nearly every draw is near 0 and the mean rests on draws
#: no run makes (a lognormal needs about 1 + cv^2 draws to show its mean).
MAX_CV = 100.0


@dataclass(frozen=True)
class ModelSpec:
    """Which plugin implements a model, and its parameters (checked by the plugin when it is built)."""

    model: str
    params: Mapping[str, Any] = field(default_factory=dict)
    _PATH: ClassVar[str] = "model"

    def __post_init__(self) -> None:
        check_name(("model",), self.model)
        if not isinstance(self.params, Mapping):
            raise invalid(("params",), "must be a table of parameters", self.params)
        object.__setattr__(self, "params", dict(self.params))


@dataclass(frozen=True)
class Distribution:
    """A positive random duration: ``fixed``, ``exponential``, ``gamma`` or ``lognormal`` with a mean and cv."""

    kind: str = "gamma"
    mean: float = 14.0
    cv: float = 0.3

    KINDS: ClassVar[tuple[str, ...]] = ("fixed", "exponential", "gamma", "lognormal")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise invalid(("distribution", "kind"), f"must be one of {', '.join(self.KINDS)}", self.kind)
        at_least(("distribution", "mean"), self.mean, 0.0)
        finite(("distribution", "mean"), self.mean)
        between(("distribution", "cv"), self.cv, 0.0, MAX_CV)


@dataclass(frozen=True)
class Calendar:
    """When work happens: a daily shift window on the reference clock and the working days of the week.

    ``working_days`` counts Monday as 0. Pools in other time zones shift this window by their
    ``shift_offset_hours``.
    """

    hours_per_day: float = 8.0
    start_hour: float = 9.0
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)

    def __post_init__(self) -> None:
        above(("calendar", "hours_per_day"), self.hours_per_day, 0.0)
        between(("calendar", "hours_per_day"), self.hours_per_day, 0.0, 24.0)
        between(("calendar", "start_hour"), self.start_hour, 0.0, 24.0)
        object.__setattr__(self, "working_days", weekdays(("calendar", "working_days"), self.working_days))


@dataclass(frozen=True)
class Spike:
    """A launch or event: demand is multiplied by ``multiplier`` on days [start_day, start_day + duration_days)."""

    start_day: float
    duration_days: float
    multiplier: float

    def __post_init__(self) -> None:
        at_least(("demand", "spikes", ITEM, "start_day"), self.start_day, 0.0)
        finite(("demand", "spikes", ITEM, "start_day"), self.start_day)
        above(("demand", "spikes", ITEM, "duration_days"), self.duration_days, 0.0)
        finite(("demand", "spikes", ITEM, "duration_days"), self.duration_days)
        at_least(("demand", "spikes", ITEM, "multiplier"), self.multiplier, 0.0)
        finite(("demand", "spikes", ITEM, "multiplier"), self.multiplier)


@dataclass(frozen=True)
class Project:
    """One project in the task mix: its share of arrivals and a novice's mean minutes per label."""

    name: str = "default"
    share: float = 1.0
    minutes_per_label: float = 2.0

    def __post_init__(self) -> None:
        check_name(("demand", "projects", ITEM, "name"), self.name)
        above(("demand", "projects", Key(self.name), "share"), self.share, 0.0)
        finite(("demand", "projects", Key(self.name), "share"), self.share)
        above(("demand", "projects", Key(self.name), "minutes_per_label"), self.minutes_per_label, 0.0)
        finite(("demand", "projects", Key(self.name), "minutes_per_label"), self.minutes_per_label)


@dataclass(frozen=True)
class Demand:
    """Arriving tasks: a plugin (``pattern`` or ``trace`` built in) and the data it reads.

    ``pattern``: per day ``base_per_day * (1 + trend_per_week * day / 7) * weekly[day % 7] * spikes``,
    Poisson counts spread uniformly over the arrival window. ``trace``: exact per-day counts from ``trace``.
    ``arrival_window`` is ``"day"`` (all 24 hours) or ``"shift"`` (the calendar's working hours).
    """

    model: str = "pattern"
    params: Mapping[str, Any] = field(default_factory=dict)
    base_per_day: float = 1000.0
    trend_per_week: float = 0.0
    weekly: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    spikes: tuple[Spike, ...] = ()
    trace: tuple[float, ...] = ()
    arrival_window: str = "day"
    projects: tuple[Project, ...] = (Project(),)

    def __post_init__(self) -> None:
        check_name(("demand", "model"), self.model)
        if not isinstance(self.params, Mapping):
            raise invalid(("demand", "params"), "must be a table of parameters", self.params)
        object.__setattr__(self, "params", dict(self.params))
        at_least(("demand", "base_per_day"), self.base_per_day, 0.0)
        finite(("demand", "base_per_day"), self.base_per_day)
        # A replication keeps every task in memory (about 100 bytes each): refuse volumes no machine can hold.
        if self.base_per_day > MAX_TASKS_PER_DAY:
            raise invalid(
                ("demand", "base_per_day"), f"must be at most {MAX_TASKS_PER_DAY:,} tasks a day", self.base_per_day
            )
        finite(("demand", "trend_per_week"), self.trend_per_week)
        at_least(("demand", "trend_per_week"), self.trend_per_week, -1.0)
        weekly = tuple(self.weekly)
        object.__setattr__(self, "weekly", weekly)
        if len(weekly) != 7:
            raise invalid(("demand", "weekly"), "must have 7 factors (Monday first)", list(weekly))
        for i, factor in enumerate(weekly):
            at_least(("demand", "weekly", i), factor, 0.0)
            finite(("demand", "weekly", i), factor)
        object.__setattr__(self, "spikes", tuple(self.spikes))
        for spike in self.spikes:
            if not isinstance(spike, Spike):
                raise invalid(("demand", "spikes", ITEM), "must be a Spike", spike)
        trace = tuple(self.trace)
        object.__setattr__(self, "trace", trace)
        for i, count in enumerate(trace):
            at_least(("demand", "trace", i), count, 0.0)
            finite(("demand", "trace", i), count)
        if self.arrival_window not in ("day", "shift"):
            raise invalid(("demand", "arrival_window"), "must be 'day' or 'shift'", self.arrival_window)
        projects = tuple(self.projects)
        object.__setattr__(self, "projects", projects)
        if not projects:
            raise invalid(("demand", "projects"), "must list at least one project", list(projects))
        names = [p.name for p in projects]
        if len(set(names)) != len(names):
            raise invalid(("demand", "projects"), "must have unique names", names)


@dataclass(frozen=True)
class ServiceTime:
    """Spread of one label's time around its mean: ``exponential``, ``lognormal`` (with cv) or ``fixed``."""

    distribution: str = "lognormal"
    cv: float = 0.5

    def __post_init__(self) -> None:
        if self.distribution not in ("exponential", "lognormal", "fixed"):
            raise invalid(
                ("service_time", "distribution"), "must be 'exponential', 'lognormal' or 'fixed'", self.distribution
            )
        between(("service_time", "cv"), self.cv, 0.0, MAX_CV)


@dataclass(frozen=True)
class Headcount:
    """Initial people of a pool per stage: recruiting (hiring), in training, and producing labels."""

    production: int = 0
    training: int = 0
    hiring: int = 0

    def __post_init__(self) -> None:
        int_between(("headcount", "production"), self.production, 0, MAX_PEOPLE)
        int_between(("headcount", "training"), self.training, 0, MAX_PEOPLE)
        int_between(("headcount", "hiring"), self.hiring, 0, MAX_PEOPLE)


@dataclass(frozen=True)
class PoolShare:
    """One pool a pool's newcomers may join, and the chance (relative to the other shares) that one does."""

    pool: str
    share: float

    def __post_init__(self) -> None:
        check_name(("workforce", ITEM, "joins", ITEM, "pool"), self.pool)
        at_least(("workforce", ITEM, "joins", ITEM, "share"), self.share, 0.0)
        finite(("workforce", ITEM, "joins", ITEM, "share"), self.share)


@dataclass(frozen=True)
class Pool:
    """A workforce pool at one vendor: its people, pay, shift, hiring pipeline and attrition.

    Pay is either ``hourly_rate`` (per paid hour, training included when ``paid_training``) or
    ``price_per_label`` (per label delivered, rework included); ``vendor_fee_share`` is the vendor's markup.
    Training lasts ``platform_training_days + project_training_days`` working days, then a test is passed
    with ``test_pass_probability`` (a failure leaves). ``attrition_per_week`` is a weekly hazard.

    ``shift_hours`` is each person's time on the project per working day of the calendar (default: the calendar's
    ``hours_per_day``); a hire gets the same. ``production_tenure_weeks`` gives the people in production at the
    start their own tenures (the first ones, in order); anyone beyond the list starts at ``initial_tenure_weeks``.
    Likewise ``training_done_days`` are the working days of training the people in training have done, and
    ``hiring_done_days`` the days the searches in hiring have run (missing ones: 0). ``working_days`` (Monday 0)
    are the days the pool works when they are not the calendar's (a crowd that also works Sundays, a team that
    does not work the weekend days others do); ``shift_hours`` is then per working day of the pool.
    ``joins`` are the pools its newcomers (people in training at the start, and hires) join on reaching
    production, each drawn in proportion to the shares: a vendor's crowd split by working days, where each
    newcomer's days are not known until they work (default: this pool).
    """

    name: str
    vendor: str = ""
    headcount: Headcount = field(default_factory=Headcount)
    hourly_rate: float | None = None
    price_per_label: float | None = None
    vendor_fee_share: float = 0.0
    shift_offset_hours: float = 0.0
    shift_hours: float | None = None
    max_concurrent_hires: int = 10
    time_to_hire_days: Distribution = field(default_factory=Distribution)
    platform_training_days: float = 3.0
    project_training_days: float = 2.0
    test_pass_probability: float = 0.9
    attrition_per_week: float = 0.01
    initial_tenure_weeks: float = 12.0
    production_tenure_weeks: tuple[float, ...] = ()
    training_done_days: tuple[float, ...] = ()
    hiring_done_days: tuple[float, ...] = ()
    hiring_cost: float = 0.0
    training_cost: float = 0.0
    paid_training: bool = True
    speed_factor: float = 1.0
    working_days: tuple[int, ...] | None = None
    joins: tuple[PoolShare, ...] = ()

    def __post_init__(self) -> None:
        check_name(("workforce", ITEM, "name"), self.name)
        path: ScenarioPath = ("workforce", Key(self.name))
        if not self.vendor:
            object.__setattr__(self, "vendor", self.name)
        check_name((*path, "vendor"), self.vendor)
        if not isinstance(self.headcount, Headcount):
            raise invalid((*path, "headcount"), "must be a Headcount", self.headcount)
        if (self.hourly_rate is None) == (self.price_per_label is None):
            raise invalid(
                (*path, "hourly_rate"),
                "or price_per_label must be set (exactly one of them)",
                (self.hourly_rate, self.price_per_label),
            )
        if self.hourly_rate is not None:
            amount((*path, "hourly_rate"), self.hourly_rate)
        if self.price_per_label is not None:
            amount((*path, "price_per_label"), self.price_per_label)
        between((*path, "vendor_fee_share"), self.vendor_fee_share, 0.0, 10.0)
        between((*path, "shift_offset_hours"), self.shift_offset_hours, -24.0, 24.0)
        if self.shift_hours is not None:
            above((*path, "shift_hours"), self.shift_hours, 0.0)
            between((*path, "shift_hours"), self.shift_hours, 0.0, 24.0)
        int_between((*path, "max_concurrent_hires"), self.max_concurrent_hires, 1, MAX_PEOPLE)
        if not isinstance(self.time_to_hire_days, Distribution):
            raise invalid((*path, "time_to_hire_days"), "must be a Distribution", self.time_to_hire_days)
        at_least((*path, "platform_training_days"), self.platform_training_days, 0.0)
        finite((*path, "platform_training_days"), self.platform_training_days)
        at_least((*path, "project_training_days"), self.project_training_days, 0.0)
        finite((*path, "project_training_days"), self.project_training_days)
        between((*path, "test_pass_probability"), self.test_pass_probability, 0.0, 1.0)
        between((*path, "attrition_per_week"), self.attrition_per_week, 0.0, 1.0)
        at_least((*path, "initial_tenure_weeks"), self.initial_tenure_weeks, 0.0)
        finite((*path, "initial_tenure_weeks"), self.initial_tenure_weeks)
        for name in ("production_tenure_weeks", "training_done_days", "hiring_done_days"):
            values = tuple(getattr(self, name))
            object.__setattr__(self, name, values)
            for i, value in enumerate(values):
                at_least((*path, name, i), value, 0.0)
                finite((*path, name, i), value)
        amount((*path, "hiring_cost"), self.hiring_cost)
        amount((*path, "training_cost"), self.training_cost)
        if not isinstance(self.paid_training, bool):
            raise invalid((*path, "paid_training"), "must be true or false", self.paid_training)
        above((*path, "speed_factor"), self.speed_factor, 0.0)
        finite((*path, "speed_factor"), self.speed_factor)
        if self.working_days is not None:
            object.__setattr__(self, "working_days", weekdays((*path, "working_days"), self.working_days))
        joins = tuple(self.joins)
        object.__setattr__(self, "joins", joins)
        for i, share in enumerate(joins):
            if not isinstance(share, PoolShare):
                raise invalid((*path, "joins", i), "must be a PoolShare", share)
        if joins and not sum(share.share for share in joins) > 0.0:
            raise invalid((*path, "joins"), "must have a share above 0", [share.share for share in joins])


REVIEW_PAID_FOR = ("on_duty", "reviewing")


@dataclass(frozen=True)
class Review:
    """Review of labels: a share is reviewed by ``reviewers`` people; a thumbs-down sends the label to rework.

    A reviewer catches an erroneous label with ``detection_probability``; rework is reviewed again with the
    same share and takes ``rework_time_factor`` times a labeling time: the job's original draw with
    ``rework_time = "reuse"``, or a fresh draw from ``service_time`` with ``"independent"`` (a slow first
    label then says nothing about its rework, as in an open Jackson network). Reviewers work ``shift_hours`` a
    working day (default: the calendar's ``hours_per_day``) and are paid ``reviewer_hourly_rate`` for them, or,
    with ``paid_for = "reviewing"``, only for the time their reviews take: reviewers who review beside other work,
    and how the platform books review labour, which calibrated scenarios follow.
    """

    share_reviewed: float = 0.0
    reviewers: int = 0
    review_minutes: float = 1.0
    detection_probability: float = 1.0
    rework_time_factor: float = 0.5
    rework_time: str = "reuse"
    reviewer_hourly_rate: float = 0.0
    shift_offset_hours: float = 0.0
    shift_hours: float | None = None
    paid_for: str = "on_duty"

    def __post_init__(self) -> None:
        between(("review", "share_reviewed"), self.share_reviewed, 0.0, 1.0)
        int_between(("review", "reviewers"), self.reviewers, 0, MAX_PEOPLE)
        if self.share_reviewed > 0 and self.reviewers == 0:
            raise invalid(("review", "reviewers"), "must be >= 1 when review.share_reviewed > 0", self.reviewers)
        above(("review", "review_minutes"), self.review_minutes, 0.0)
        finite(("review", "review_minutes"), self.review_minutes)
        between(("review", "detection_probability"), self.detection_probability, 0.0, 1.0)
        above(("review", "rework_time_factor"), self.rework_time_factor, 0.0)
        finite(("review", "rework_time_factor"), self.rework_time_factor)
        if self.rework_time not in ("reuse", "independent"):
            raise invalid(("review", "rework_time"), "must be 'reuse' or 'independent'", self.rework_time)
        amount(("review", "reviewer_hourly_rate"), self.reviewer_hourly_rate)
        between(("review", "shift_offset_hours"), self.shift_offset_hours, -24.0, 24.0)
        if self.shift_hours is not None:
            above(("review", "shift_hours"), self.shift_hours, 0.0)
            between(("review", "shift_hours"), self.shift_hours, 0.0, 24.0)
        if self.paid_for not in REVIEW_PAID_FOR:
            raise invalid(("review", "paid_for"), "must be 'on_duty' or 'reviewing'", self.paid_for)


@dataclass(frozen=True)
class Waits:
    """The waits people take that busy labelers and reviewers do not explain, as recorded: from a task's arrival
    until its labels are in (``consensus_hours`` for tasks needing several), from a label's submission to its
    first review, and from a thumbs-down to the label's next review. Each lists equally likely values in hours
    (quantiles of the records); ``review_share`` of labels are reviewed and ``down_by_round[k]`` is the chance
    of a thumbs-down at review round k (the last repeats).

    With waits, each label is accepted no earlier than its simulated submission plus a review path drawn from
    them, and a task when its last label is; the later of that and the simulated acceptance wins, since the
    recorded waits already hold the queueing of the load they were recorded under (adding the two would count
    it twice). The wait before labeling comes from the simulated labelers, so hiring shortens it; with
    ``labeling_from_records`` it is also floored by the recorded arrival-to-labels wait (the backtests' rule,
    :mod:`simulator.latency`), which no change of the team can shorten.
    """

    labeling_hours: tuple[float, ...] = ()
    consensus_hours: tuple[float, ...] = ()
    first_review_hours: tuple[float, ...] = ()
    rework_cycle_hours: tuple[float, ...] = ()
    review_share: float = 0.0
    down_by_round: tuple[float, ...] = ()
    labeling_from_records: bool = False

    def __post_init__(self) -> None:
        for name in ("labeling_hours", "consensus_hours", "first_review_hours", "rework_cycle_hours"):
            object.__setattr__(self, name, hours_list(("waits", name), getattr(self, name)))
        between(("waits", "review_share"), self.review_share, 0.0, 1.0)
        downs = self.down_by_round
        if not isinstance(downs, tuple | list) or len(downs) > 10:
            raise invalid(("waits", "down_by_round"), "must be a list of at most 10 probabilities", downs)
        for i, value in enumerate(downs):
            between(("waits", "down_by_round", i), value, 0.0, 1.0)
        object.__setattr__(self, "down_by_round", tuple(float(v) for v in downs))
        if not isinstance(self.labeling_from_records, bool):
            raise invalid(("waits", "labeling_from_records"), "must be true or false", self.labeling_from_records)


@dataclass(frozen=True)
class Consensus:
    """Consensus labeling: a ``coverage`` share of tasks is labeled ``labels_per_task`` times by distinct jobs."""

    labels_per_task: int = 1
    coverage: float = 0.0

    def __post_init__(self) -> None:
        int_between(("consensus", "labels_per_task"), self.labels_per_task, 1, MAX_LABELS_PER_TASK)
        between(("consensus", "coverage"), self.coverage, 0.0, 1.0)


@dataclass(frozen=True)
class Benchmark:
    """Benchmark (gold) items: a share of all labeling time that produces no customer label."""

    overhead_share: float = 0.0

    def __post_init__(self) -> None:
        between(("benchmark", "overhead_share"), self.overhead_share, 0.0, 0.9)


@dataclass(frozen=True)
class SLA:
    """Service level: a task should be accepted within ``turnaround_hours`` of arriving, for a
    ``required_attainment`` share of tasks; ``wait_hours`` is the target for the wait before labeling (and
    before review) starts, reported as each stage's ``wait_within_target``."""

    turnaround_hours: float = 48.0
    required_attainment: float = 0.95
    wait_hours: float = 1.0

    def __post_init__(self) -> None:
        above(("sla", "turnaround_hours"), self.turnaround_hours, 0.0)
        finite(("sla", "turnaround_hours"), self.turnaround_hours)
        between(("sla", "required_attainment"), self.required_attainment, 0.0, 1.0)
        at_least(("sla", "wait_hours"), self.wait_hours, 0.0)
        finite(("sla", "wait_hours"), self.wait_hours)


def _spec(path: ScenarioPath, value: object) -> ModelSpec:
    if not isinstance(value, ModelSpec):
        raise invalid(path, "must be a ModelSpec (model name and params)", value)
    return value


@dataclass(frozen=True)
class Scenario:
    """A whole labeling operation over ``horizon_days`` days.

    The pure queueing case (Erlang C) is: a 24-hour, 7-day calendar, the ``pattern`` demand with flat weekly
    factors and no spikes, ``exponential`` service time, one pool with fixed production headcount, no hiring
    or attrition, learning ``none``, no review, staffing ``fixed``.
    """

    name: str = "scenario"
    horizon_days: int = 28
    currency: str = "USD"  # of every rate and price in the scenario, and of the costs it forecasts
    calendar: Calendar = field(default_factory=Calendar)
    demand: Demand = field(default_factory=Demand)
    service_time: ServiceTime = field(default_factory=ServiceTime)
    workforce: tuple[Pool, ...] = (Pool(name="default", headcount=Headcount(production=10), hourly_rate=15.0),)
    learning: ModelSpec = field(default_factory=lambda: ModelSpec("exponential"))
    quality: ModelSpec = field(default_factory=lambda: ModelSpec("exponential"))
    review: Review = field(default_factory=Review)
    consensus: Consensus = field(default_factory=Consensus)
    benchmark: Benchmark = field(default_factory=Benchmark)
    staffing: ModelSpec = field(default_factory=lambda: ModelSpec("fixed"))
    sla: SLA = field(default_factory=SLA)
    costs: ModelSpec = field(default_factory=lambda: ModelSpec("standard"))
    description: str = ""
    #: Recorded waits beyond capacity (calibrated scenarios have them); None: completion is the simulator's.
    waits: Waits | None = None

    def __post_init__(self) -> None:
        if not (
            isinstance(self.currency, str)
            and len(self.currency) == 3
            and self.currency.isalpha()
            and self.currency.isupper()
        ):
            raise invalid(("currency",), "must be an ISO 4217 code such as USD or EUR", self.currency)
        check_name(("name",), self.name)
        if not isinstance(self.description, str):
            raise invalid(("description",), "must be a string", self.description)
        int_between(("horizon_days",), self.horizon_days, 1, MAX_HORIZON_DAYS)
        checks: tuple[tuple[str, object, type], ...] = (
            ("calendar", self.calendar, Calendar),
            ("demand", self.demand, Demand),
            ("service_time", self.service_time, ServiceTime),
            ("review", self.review, Review),
            ("consensus", self.consensus, Consensus),
            ("benchmark", self.benchmark, Benchmark),
            ("sla", self.sla, SLA),
        )
        for path, value, kind in checks:
            if not isinstance(value, kind):
                raise invalid((path,), f"must be a {kind.__name__}", value)
        if self.waits is not None and not isinstance(self.waits, Waits):
            raise invalid(("waits",), "must be a Waits", self.waits)
        for path in ("learning", "quality", "staffing", "costs"):
            _spec((path,), getattr(self, path))
        pools = tuple(self.workforce)
        object.__setattr__(self, "workforce", pools)
        if not pools:
            raise invalid(("workforce",), "must list at least one pool", list(pools))
        names = [pool.name for pool in pools]
        if len(set(names)) != len(names):
            raise invalid(("workforce",), "must have unique pool names", names)
        for pool in pools:
            for i, share in enumerate(pool.joins):
                if share.pool not in names:
                    raise invalid(
                        ("workforce", Key(pool.name), "joins", i, "pool"),
                        f"must be one of the pools {names}",
                        share.pool,
                    )

    @property
    def horizon_hours(self) -> float:
        return self.horizon_days * 24.0

    def pool(self, name: str) -> Pool:
        """The pool called ``name``."""
        for pool in self.workforce:
            if pool.name == name:
                return pool
        raise KeyError(name)

    @classmethod
    def queueing(
        cls,
        *,
        arrivals_per_hour: float,
        mean_service_minutes: float,
        servers: int,
        horizon_days: int = 28,
        name: str = "mmc",
    ) -> Scenario:
        """The M/M/c case: Poisson arrivals, exponential service, ``servers`` labelers around the clock."""
        return cls(
            name=name,
            horizon_days=horizon_days,
            calendar=Calendar(hours_per_day=24.0, start_hour=0.0, working_days=(0, 1, 2, 3, 4, 5, 6)),
            demand=Demand(
                base_per_day=arrivals_per_hour * 24.0,
                projects=(Project(name="default", share=1.0, minutes_per_label=mean_service_minutes),),
            ),
            service_time=ServiceTime(distribution="exponential", cv=1.0),
            workforce=(
                Pool(
                    name="default",
                    headcount=Headcount(production=servers),
                    hourly_rate=15.0,
                    attrition_per_week=0.0,
                    initial_tenure_weeks=0.0,
                ),
            ),
            learning=ModelSpec("none"),
            quality=ModelSpec("constant", {"error_probability": 0.0}),
            staffing=ModelSpec("fixed"),
        )
