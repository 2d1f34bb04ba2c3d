"""Cheapest plan search: the hiring plan that meets the SLA with a required probability at the lowest cost.

The options a planner gives (head counts and start days per pool) allow a number of plans that grows as a product
over pools (3 counts on 8 pools: 6561 plans). The search never lists them. It builds plans as it goes:

1. *Prune*: a pool whose hires could only reach production after the horizon is left out, with the reason; the
   review team is sized from review demand (never enumerated).
2. *Climb*: from "hire nobody", step one pool at a time to its next count, taking the step that buys the most
   SLA per unit of cost (marginal-cost greedy), until the plan meets the requirement on the screening
   replications. Feasibility rises with head count, so the climb stops at the first feasible level of each pool.
3. *Trim*: take back any step that is no longer needed, and move each hire to its latest start day that still
   meets the requirement (a later start is cheaper).
4. *Confirm*: evaluate the result with more replications; while the confirmation falls short, take the next
   greedy step (chosen on the screening replications) and confirm again; then trim on the confirmation
   replications, and evaluate the cheaper neighbours as runner-ups.

Every plan runs on the same seeds (common random numbers), so plans are compared on the same arrivals and the
same people. When no plan meets the SLA, the closest is returned with what limits it: people hired cannot reach
production before the failing weeks (hiring lag), the horizon is too short for them to make up the weeks before
they arrive (horizon), every pool is at its largest allowed count (max hires), or the recorded review and
rework waits alone keep too many tasks past the turnaround for any team to meet the SLA (recorded waits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simulator.arrivals import pattern_volumes
from simulator.latency import sample_review_paths, waits_latency
from simulator.planning.feasibility import Hire
from simulator.planning.plans import HiringOption, Plan, PlanEvaluation, PlanEvaluator, Progress, evaluate_plan
from simulator.scenario import ITEM, Pool, Scenario, ScenarioError, invalid

__all__ = [
    "HiringOption",
    "Plan",
    "PlanEvaluation",
    "PlanLimit",
    "PlanSearchResult",
    "PrunedPool",
    "cheapest_plan",
    "evaluate_plan",
    "plan_space_size",
    "review_wait_ceiling",
    "reviewers_for_demand",
]

#: Reviewers are sized so that they are busy at most this share of their hours: queues explode near 100%.
REVIEWER_TARGET_UTILIZATION = 0.8
#: The climb stops after this many distinct plans, whatever the options; the closest plan is then reported.
MAX_PLANS_EVALUATED = 300


@dataclass(frozen=True)
class PlanLimit:
    """Why no plan meets the SLA: ``kind`` is ``hiring_lag``, ``horizon``, ``max_hires``, ``no_effect`` or
    ``recorded_waits``."""

    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class PrunedPool:
    """A pool the search left out, and why."""

    pool: str
    reason: str


@dataclass(frozen=True)
class PlanSearchResult:
    """The cheapest plan meeting the requirement (or the closest one when none does), runner-ups and limits.

    ``candidates`` is how many plans the options allow; ``evaluated`` how many the search simulated.
    ``reviewers`` is the review team every plan was run with (sized from review demand); ``limits`` say what
    keeps the closest plan from meeting the SLA when ``feasible`` is false.
    """

    best: PlanEvaluation
    feasible: bool
    runner_ups: tuple[PlanEvaluation, ...]
    candidates: int
    evaluated: int
    required_probability: float
    reviewers: int
    limits: tuple[PlanLimit, ...] = ()
    pruned: tuple[PrunedPool, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "best": self.best.to_dict(),
            "feasible": self.feasible,
            "runner_ups": [r.to_dict() for r in self.runner_ups],
            "candidates": self.candidates,
            "evaluated": self.evaluated,
            "required_probability": self.required_probability,
            "reviewers": self.reviewers,
            "limits": [limit.to_dict() for limit in self.limits],
            "pruned": [{"pool": p.pool, "reason": p.reason} for p in self.pruned],
        }


def plan_space_size(options: Sequence[HiringOption]) -> int:
    """How many plans the options allow (the product of every pool's choices), without listing them."""
    return math.prod(option.choices() for option in options)


def _calendar_days(scenario: Scenario, working_days: float) -> float:
    """Working days (training) as calendar days on the scenario's week."""
    return working_days * 7.0 / len(scenario.calendar.working_days)


def production_day(scenario: Scenario, pool: Pool, start_day: float) -> float:
    """The expected day on which people hired into ``pool`` on ``start_day`` start producing labels."""
    training = _calendar_days(scenario, pool.platform_training_days + pool.project_training_days)
    return start_day + pool.time_to_hire_days.mean + training


def reviewers_for_demand(scenario: Scenario) -> int:
    """Reviewers needed for the demand's review load at :data:`REVIEWER_TARGET_UTILIZATION` (0 without review).

    Load: expected tasks per day x labels per task x share reviewed x minutes per review, with rework reviewed
    again (about one more review per thumbs-down; the detection share bounds it). Capacity: the calendar's
    hours per working day, spread over the week.
    """
    review = scenario.review
    if review.share_reviewed <= 0:
        return 0
    demand = scenario.demand
    if demand.trace:
        per_day = float(np.mean(demand.trace[: scenario.horizon_days]))
    else:
        per_day = float(np.mean(pattern_volumes(demand, scenario.horizon_days)))
    consensus = scenario.consensus
    labels_per_task = 1.0 + consensus.coverage * (consensus.labels_per_task - 1)
    reviews_per_day = per_day * labels_per_task * review.share_reviewed * (1.0 + 0.5 * review.detection_probability)
    load_hours = reviews_per_day * review.review_minutes / 60.0
    calendar = scenario.calendar
    hours_per_reviewer = calendar.hours_per_day * len(calendar.working_days) / 7.0
    return max(1, math.ceil(load_hours / (hours_per_reviewer * REVIEWER_TARGET_UTILIZATION)))


@dataclass(frozen=True)
class _Choice:
    """A point of the search: a level (index into the pool's counts) and a start day per pool."""

    levels: tuple[int, ...]
    days: tuple[int, ...]


class _Search:
    def __init__(
        self,
        evaluator: PlanEvaluator,
        options: Sequence[HiringOption],
        required_probability: float,
        required_attainment: float,
    ) -> None:
        self.evaluator = evaluator
        self.options = list(options)
        self.required = required_probability
        self.required_attainment = required_attainment

    def plan(self, choice: _Choice) -> Plan:
        hires = []
        for option, level, day in zip(self.options, choice.levels, choice.days, strict=True):
            count = option.levels[level]
            if count > 0:
                hires.append(Hire(option.pool, option.start_days[day], count))
        return Plan(tuple(sorted(hires)))

    def run(self, choices: Sequence[_Choice], replications: int) -> list[PlanEvaluation]:
        return self.evaluator.evaluate([self.plan(c) for c in choices], replications)

    def score(self, evaluation: PlanEvaluation) -> float:
        """Closeness to meeting the SLA: the probability, plus attainment as a slope that keeps rising past the
        requirement (a margin there is what raises the probability on more replications)."""
        attainment = evaluation.sla_attainment if math.isfinite(evaluation.sla_attainment) else 0.0
        return evaluation.probability + attainment / max(self.required_attainment, 1e-9)

    def step(self, current: _Choice, replications: int) -> tuple[_Choice, PlanEvaluation] | None:
        """The next count on one pool that buys the most SLA per unit of cost; None when no step helps."""
        (evaluation,) = self.run([current], replications)
        steps = []
        for index, option in enumerate(self.options):
            if current.levels[index] + 1 < len(option.levels):
                levels = list(current.levels)
                levels[index] += 1
                steps.append(_Choice(tuple(levels), current.days))
        if not steps:
            return None
        base_score = self.score(evaluation)
        best: tuple[float, float, _Choice, PlanEvaluation] | None = None
        for choice, result in zip(steps, self.run(steps, replications), strict=True):
            gain = self.score(result) - base_score
            extra = result.expected_cost - evaluation.expected_cost
            # Per unit of cost when the step costs something; a free or saving step that helps wins outright.
            value = gain / extra if extra > 1e-9 else (math.inf if gain > 0 else gain)
            if best is None or (value, gain) > best[:2]:
                best = (value, gain, choice, result)
        assert best is not None
        if best[1] > 0:
            return best[2], best[3]
        # No single step helps (people arrive too late to matter, or another bottleneck): try every pool at its
        # largest count before giving up, as a step of one may be too small to show.
        top = _Choice(tuple(len(o.levels) - 1 for o in self.options), current.days)
        (at_top,) = self.run([top], replications)
        if top == current or self.score(at_top) <= base_score:
            return None
        return top, at_top

    def climb(self, start: _Choice, replications: int) -> tuple[_Choice, PlanEvaluation, bool]:
        """Greedy marginal-cost ascent from ``start`` until feasible; (choice, evaluation, stalled)."""
        current = start
        (evaluation,) = self.run([current], replications)
        while not evaluation.meets(self.required):
            taken = None if self.evaluator.plans >= MAX_PLANS_EVALUATED else self.step(current, replications)
            if taken is None:
                return current, evaluation, True
            current, evaluation = taken
        return current, evaluation, False

    def confirm(self, choice: _Choice, screen: int, confirm: int) -> tuple[_Choice, PlanEvaluation, bool]:
        """Confirm ``choice`` on ``confirm`` replications; while it falls short, take the next greedy step chosen
        on the cheaper screening replications (common random numbers keep that choice sharp) and confirm again."""
        (evaluation,) = self.run([choice], confirm)
        while not evaluation.meets(self.required):
            taken = None if self.evaluator.plans >= MAX_PLANS_EVALUATED else self.step(choice, screen)
            if taken is None:
                # The screening replications see no helpful step: climb on the confirmation ones.
                return self.climb(choice, confirm)
            choice = taken[0]
            (evaluation,) = self.run([choice], confirm)
        return choice, evaluation, False

    def trim(self, choice: _Choice, replications: int) -> tuple[_Choice, PlanEvaluation]:
        """Take back steps and delay starts while the plan still meets the requirement, cheapest change first."""
        (evaluation,) = self.run([choice], replications)
        while True:
            moves = []
            for index, option in enumerate(self.options):
                if choice.levels[index] > 0:
                    levels = list(choice.levels)
                    levels[index] -= 1
                    moves.append(_Choice(tuple(levels), choice.days))
                if option.levels[choice.levels[index]] > 0 and choice.days[index] + 1 < len(option.start_days):
                    days = list(choice.days)
                    days[index] += 1
                    moves.append(_Choice(choice.levels, tuple(days)))
            if not moves:
                return choice, evaluation
            results = self.run(moves, replications)
            cheaper = [
                (r.expected_cost, m, r)
                for m, r in zip(moves, results, strict=True)
                if r.meets(self.required) and r.expected_cost < evaluation.expected_cost
            ]
            if not cheaper:
                return choice, evaluation
            _, choice, evaluation = min(cheaper, key=lambda item: (item[0], self.plan(item[1])))

    def neighbours(self, choice: _Choice) -> list[_Choice]:
        """One step down on each pool: the plans that would be cheaper if they met the requirement."""
        out = []
        for index in range(len(self.options)):
            if choice.levels[index] > 0:
                levels = list(choice.levels)
                levels[index] -= 1
                out.append(_Choice(tuple(levels), choice.days))
        return out


#: Review paths drawn to estimate the attainment the recorded waits alone allow (seeded: the answer is repeatable).
_CEILING_DRAWS = 20_000


def review_wait_ceiling(scenario: Scenario) -> float:
    """The highest SLA attainment the recorded review and rework waits allow: the share of labels whose drawn
    review path alone is within the turnaround (1 without waits). Labeling only adds to it, so no team does
    better."""
    if scenario.waits is None:
        return 1.0
    paths = sample_review_paths(waits_latency(scenario.waits), np.random.default_rng(0), _CEILING_DRAWS)
    return float(np.mean(paths * 24.0 <= scenario.sla.turnaround_hours))


def _waits_limit(scenario: Scenario) -> PlanLimit | None:
    ceiling = review_wait_ceiling(scenario)
    target = scenario.sla.required_attainment
    if ceiling >= target:
        return None
    return PlanLimit(
        "recorded_waits",
        f"the recorded review and rework waits alone exceed the {scenario.sla.turnaround_hours:g} h turnaround for "
        f"{1.0 - ceiling:.0%} of labels, so attainment cannot pass {ceiling:.0%} (the SLA asks {target:.0%}): "
        "hiring labelers cannot shorten them, faster reviews can",
    )


def _limits(
    scenario: Scenario, options: Sequence[HiringOption], closest: PlanEvaluation, required: float, at_top: bool
) -> tuple[PlanLimit, ...]:
    """What keeps the closest plan from meeting the SLA, read from its weekly results and the hiring lag."""
    waits = _waits_limit(scenario)
    if waits is not None:
        return (waits,)
    arrivals = [production_day(scenario, scenario.pool(o.pool), o.start_days[0]) for o in options]
    earliest = min(arrivals, default=math.inf)
    weekly = closest.weekly_probability
    failing = [week for week, p in enumerate(weekly, start=1) if p < required]
    limits = []
    horizon = scenario.horizon_days
    if not options or earliest >= horizon:
        limits.append(
            PlanLimit(
                "horizon",
                f"no hire can reach production within the {horizon}-day horizon"
                + ("" if not options else f" (the earliest around day {earliest:.0f})"),
            )
        )
        return tuple(limits)
    before = [week for week in failing if 7 * (week - 1) < earliest]
    after = [week for week in failing if 7 * (week - 1) >= earliest]
    if before:
        weeks = ", ".join(str(w) for w in before)
        limits.append(
            PlanLimit(
                "hiring_lag",
                f"week(s) {weeks} fail before anyone hired can be in production (around day {earliest:.0f}: "
                "time to hire plus training)",
            )
        )
    # Only a week starting once the hires are in shows what they achieve; without one, nothing says they suffice.
    weeks_with_hires = [week for week in range(1, len(weekly) + 1) if 7 * (week - 1) >= earliest]
    if not after and before and weeks_with_hires:
        limits.append(
            PlanLimit(
                "horizon",
                f"from day {earliest:.0f} on the weeks meet the SLA, but over a {horizon}-day horizon the weeks "
                "before the hires arrive keep the overall attainment below the requirement",
            )
        )
    elif not after and before:
        limits.append(
            PlanLimit(
                "horizon",
                f"the hires arrive around day {earliest:.0f}, too late for any week of the {horizon}-day horizon to "
                "show what they achieve: start hiring earlier or plan over a longer horizon",
            )
        )
    if after:
        if at_top:
            largest = ", ".join(f"{o.pool} {o.levels[-1]}" for o in options)
            limits.append(
                PlanLimit(
                    "max_hires",
                    f"week(s) {', '.join(str(w) for w in after)} still fail with every pool at its largest "
                    f"count ({largest}): allow more hires",
                )
            )
        else:
            limits.append(
                PlanLimit(
                    "no_effect",
                    f"week(s) {', '.join(str(w) for w in after)} still fail and more hires in the allowed pools "
                    "did not raise attainment",
                )
            )
    if not limits:
        limits.append(
            PlanLimit(
                "max_hires" if at_top else "no_effect",
                f"the closest plan meets the SLA in {closest.probability:.0%} of replications, "
                f"below the required {required:.0%}",
            )
        )
    return tuple(limits)


def _validate(
    scenario: Scenario,
    options: Sequence[HiringOption],
    required_probability: float,
    screen_replications: int,
    confirm_replications: int,
    finalists: int,
) -> None:
    if not 0.0 < required_probability <= 1.0:
        raise invalid(("required_probability",), "must be in (0, 1]", required_probability)
    if not 1 <= screen_replications <= confirm_replications:
        raise invalid(
            ("screen_replications",),
            f"must be between 1 and confirm_replications ({confirm_replications})",
            screen_replications,
        )
    if finalists < 1:
        raise invalid(("finalists",), "must be >= 1", finalists)
    pool_names = {pool.name for pool in scenario.workforce}
    seen: set[str] = set()
    for option in options:
        if option.pool not in pool_names:
            raise invalid(("options", ITEM, "pool"), "must name a workforce pool", option.pool)
        if option.pool in seen:
            raise ScenarioError(
                f"options[].pool must name each pool once, got {option.pool!r} twice", path=("options", ITEM, "pool")
            )
        seen.add(option.pool)
    if not any(max(option.counts) > 0 for option in options):
        # Nothing to search: the answer would be "hire nobody" with a limit blaming the horizon.
        offered = {option.pool: list(option.counts) for option in options}
        raise invalid(("options",), "must allow at least one hire (a count above 0 in some pool)", offered)


def _whole_day(day: float) -> str:
    """A day to read: whole, or in powers of ten past a million (a start day of 1e308 is not 309 digits)."""
    return f"{day:.0f}" if day < 1e6 else f"{day:.3g}"


def cheapest_plan(
    scenario: Scenario,
    options: Sequence[HiringOption],
    *,
    required_probability: float = 0.9,
    screen_replications: int = 8,
    confirm_replications: int = 32,
    finalists: int = 4,
    seed: int = 0,
    workers: int = 1,
    size_reviewers: bool = True,
    progress: Progress | None = None,
) -> PlanSearchResult:
    """Search the cheapest hiring plan meeting the SLA with ``required_probability`` (see the module docs).

    ``finalists`` bounds the runner-ups confirmed beside the best plan. With ``size_reviewers`` the review team
    is raised (never lowered) to what the review demand needs before any plan runs.
    """
    _validate(scenario, options, required_probability, screen_replications, confirm_replications, finalists)
    candidates = plan_space_size(options)
    reviewers = scenario.review.reviewers
    if size_reviewers and scenario.review.share_reviewed > 0:
        reviewers = max(reviewers, reviewers_for_demand(scenario))
        scenario = replace(scenario, review=replace(scenario.review, reviewers=reviewers))
    kept: list[HiringOption] = []
    pruned: list[PrunedPool] = []
    for option in options:
        if option.levels == (0,):
            continue  # hires nobody whatever the plan: nothing to search
        arrival = production_day(scenario, scenario.pool(option.pool), option.start_days[0])
        if arrival >= scenario.horizon_days:
            pruned.append(
                PrunedPool(
                    option.pool,
                    f"hires starting on day {option.start_days[0]:g} reach production around day "
                    f"{_whole_day(arrival)}, after the {scenario.horizon_days}-day horizon",
                )
            )
            continue
        kept.append(option)
    most_plans = min(plan_space_size(kept), MAX_PLANS_EVALUATED + len(kept) + 1)
    evaluator = PlanEvaluator(scenario, seed, workers=workers, progress=progress, most_plans=most_plans)
    search = _Search(evaluator, kept, required_probability, scenario.sla.required_attainment)
    try:
        start = _Choice(tuple(0 for _ in kept), tuple(0 for _ in kept))
        top = _Choice(tuple(len(o.levels) - 1 for o in kept), start.days)
        (least,) = search.run([start], screen_replications)
        # The most the options allow is the slowest plan to run: it is only run when hiring nobody is plainly
        # not enough (its Wilson upper bound below the requirement), to tell a hopeless case before climbing.
        hopeful = least.probability_high >= required_probability
        most = least if hopeful else search.run([top], screen_replications)[0]
        if most.probability_high < required_probability:
            # Even the most the options allow cannot plausibly meet the SLA: report it instead of climbing to it.
            choice = top
            (evaluation,) = search.run([top], confirm_replications)
            # Cheaper plans one step down, on the screening replications only: context, not candidates.
            others = search.run(search.neighbours(top), screen_replications)
        else:
            choice, _, stalled = search.climb(start, screen_replications)
            if not stalled:
                choice, _ = search.trim(choice, screen_replications)
            choice, evaluation, stalled = search.confirm(choice, screen_replications, confirm_replications)
            if not stalled:
                choice, evaluation = search.trim(choice, confirm_replications)
            others = search.run(search.neighbours(choice), confirm_replications)
    finally:
        evaluator.close()
    others.sort(key=lambda e: (not e.meets(required_probability), e.expected_cost, e.plan))
    runner_ups = tuple(e for e in others if e.plan != evaluation.plan)[:finalists]
    feasible = evaluation.meets(required_probability)
    at_top = all(level == len(o.levels) - 1 for level, o in zip(choice.levels, kept, strict=True))
    limits = () if feasible else _limits(scenario, kept, evaluation, required_probability, at_top)
    return PlanSearchResult(
        best=evaluation,
        feasible=feasible,
        runner_ups=runner_ups,
        candidates=candidates,
        evaluated=evaluator.plans,
        required_probability=required_probability,
        reviewers=reviewers,
        limits=limits,
        pruned=tuple(pruned),
    )
