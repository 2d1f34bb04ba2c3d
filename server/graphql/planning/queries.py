"""Planning queries: scenarios and runs, SLA feasibility, cheapest plan, what-if comparison, calibration, backtest.

Resolvers turn inputs into scenarios and answers into types; the reading and simulating is the planning service's
(:mod:`server.services.planning`): each simulation is checked against the server's simulation budget first and then
runs in the server's simulation pool, so the event loop keeps serving other requests and a request that times out
takes its worker down with it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import CanPlan, require_project_scope
from server.db.planning import RunStatus as _RunStatus
from server.graphql.context import Info
from server.graphql.convert import from_service
from server.graphql.errors import INPUT, as_graphql_error, lookup_error
from server.graphql.ids import decode_id
from server.graphql.planning.calibration import CalibrationFitType
from server.graphql.planning.inputs import (
    DemandInput,
    OfferMode,
    ScenarioSourceInput,
    SlaInput,
    SpikeInput,
    VendorOfferInput,
    apply_overrides,
    base_fields,
    base_scenario,
    scenario_error,
    spikes_from,
    with_offer,
)
from server.graphql.planning.types import (
    BacktestResult,
    CalibrateResult,
    CalibrationResult,
    CheapestPlanResult,
    CompareResult,
    DemandSource,
    FeasibilityResult,
    HireType,
    MetricEstimate,
    PlanEvaluationType,
    PlanLimit,
    PlanLimitKind,
    PlanSearch,
    PrunedPool,
    RunStatus,
    ScenarioComparison,
    ScenarioVersion,
    SimulationRunType,
    SlaFeasibility,
    VariantSummary,
    estimate_list,
)
from server.services import planning
from server.services.errors import DomainError, Path, ValidationFailed
from server.services.planning import Planner
from server.services.simulation_budget import Fields, expected_tasks, workload
from simulator.loading import scenario_to_dict
from simulator.montecarlo import Estimate
from simulator.planning.optimize import HiringOption, PlanEvaluation
from simulator.planning.whatif import Variant, check_variant
from simulator.scenario import Scenario, ScenarioError, invalid

__all__ = ["PlanningQueries"]

MAX_FEASIBILITY_REPLICATIONS = 1000
MAX_COMPARE_REPLICATIONS = 500
MAX_VARIANTS = 8


@strawberry.input(description="What may be hired from one pool: candidate head counts and hiring start days.")
class HiringOptionInput:
    pool: str
    counts: list[int]
    days: list[float] = strawberry.field(default_factory=lambda: [0.0])


@strawberry.input(description="A what-if variant of the base scenario; multipliers default to 1 (no change).")
class VariantInput:
    name: str
    pool: str | None = strawberry.field(
        default=None,
        description="The pool the workforce changes apply to; null: every labeling pool (never reviewers).",
    )
    demand_multiplier: float = strawberry.field(default=1.0, description="1.2 = a 20% demand increase.")
    spikes: list[SpikeInput] = strawberry.field(default_factory=list)
    hiring_delay_multiplier: float = strawberry.field(default=1.0, description="> 1: a slower vendor ramp.")
    learning_tau_multiplier: float = strawberry.field(default=1.0, description="> 1: slower learning.")
    attrition_multiplier: float = 1.0
    headcount_delta: int = 0
    speed_multiplier: float = 1.0


@strawberry.input
class SlaFeasibilityInput:
    base: ScenarioSourceInput | None = strawberry.field(
        default=None, description="The scenario to start from (default: the built-in default scenario)."
    )
    demand: DemandInput | None = None
    offer: VendorOfferInput | None = strawberry.field(default=None, description="A vendor's offer to check.")
    offer_mode: OfferMode | None = strawberry.field(
        default=None, description="Required with an offer: ADD it to the base scenario's team, or REPLACE the team."
    )
    sla: SlaInput | None = None
    horizon_weeks: int | None = None
    replications: int = 64
    seed: int = 0
    required_probability: float = strawberry.field(
        default=0.9, description="How sure the plan must be of meeting the SLA."
    )


@strawberry.input
class CheapestPlanInput:
    base: ScenarioSourceInput | None = None
    offer: VendorOfferInput | None = strawberry.field(
        default=None, description="A vendor's offer; its pool can be named in the options like any other."
    )
    offer_mode: OfferMode | None = strawberry.field(
        default=None, description="Required with an offer: ADD it to the base scenario's team, or REPLACE the team."
    )
    options: list[HiringOptionInput]
    required_probability: float = 0.9
    screen_replications: int = 8
    confirm_replications: int = 32
    finalists: int = 4
    seed: int = 0


@strawberry.input
class CompareScenariosInput:
    base: ScenarioSourceInput | None = None
    variants: list[VariantInput]
    replications: int = 32
    seed: int = 0


def _estimate(name: str, estimate: Estimate) -> MetricEstimate:
    return estimate_list({name: estimate.to_dict()})[0]


def _plan(evaluation: PlanEvaluation) -> PlanEvaluationType:
    return PlanEvaluationType(
        hires=[HireType(pool=h.pool, day=h.day, count=h.count) for h in evaluation.plan.hires],
        description=evaluation.plan.describe(),
        replications=evaluation.replications,
        probability=evaluation.probability,
        probability_ci_low=evaluation.probability_low,
        probability_ci_high=evaluation.probability_high,
        sla_attainment=_point(
            "sla_attainment", evaluation.sla_attainment, evaluation.sla_attainment_ci, evaluation.replications
        ),
        expected_cost=_point("total_cost", evaluation.expected_cost, evaluation.cost_ci, evaluation.replications),
    )


def _point(name: str, mean: float, ci: tuple[float, float], n: int) -> MetricEstimate:
    return estimate_list({name: {"mean": mean, "ci_low": ci[0], "ci_high": ci[1], "std": None, "n": n}})[0]


def _check_range(field: Path, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValidationFailed(field, value, f"must be between {low:g} and {high:g}")


def _check_seed(seed: int) -> None:
    # GraphQL's Int already stops values past 2^31 - 1; numpy refuses negative seeds with a message naming no field.
    if seed < 0:
        raise ValidationFailed(("seed",), seed, "must be between 0 and 2^31 - 1")


_DEMAND_INPUTS = ("base_per_day", "trend_per_week", "weekly_plan", "weekly_plan_csv", "launches", "spikes", "weekly")


def _feasibility_fields(input: SlaFeasibilityInput, base: Scenario, scenario: Scenario) -> Fields:
    fields = dict(base_fields(input.base, base, runs=(("replications",), input.replications)))
    if input.demand is not None:
        # The first demand input the request gives is what it changes to simulate fewer tasks.
        for name in _DEMAND_INPUTS:
            value = getattr(input.demand, name)
            if value is not None:
                fields["tasks"] = (("demand", name), value)
                break
    if input.offer is not None:
        fields["labelers"] = (("offer", "headcount"), input.offer.headcount)
    if input.horizon_weeks is not None:
        fields["days"] = (("horizon_weeks",), input.horizon_weeks)
    return fields


def _check_distinct(variant: Variant, earlier: list[Variant]) -> None:
    """Refuse a variant whose row would be indistinguishable: the baseline's name, an earlier variant's name, or an
    earlier variant's very change under another name."""
    names = ["baseline", *(v.name for v in earlier)]
    if variant.name in names:
        raise invalid(("name",), f"must differ from the other rows' names ({', '.join(names)})", variant.name)
    for index, other in enumerate(earlier):
        if replace(other, name=variant.name) == variant:
            raise ScenarioError(
                f"variant {variant.name!r} repeats variants[{index}] ({other.name!r}): the same change twice",
                path=(),
            )


def _check_judgeable(scenario: Scenario, fields: Fields, sla_field: tuple[Path, Any] | None) -> None:
    """Refuse a question whose SLA no task can be judged on: no demand, or a turnaround as long as the horizon.
    Answered anyway, every replication would count as missing the SLA ("infeasible, probability 0") while no week
    fails."""
    turnaround, horizon_hours = scenario.sla.turnaround_hours, 24.0 * scenario.horizon_days
    if turnaround >= horizon_hours:
        if sla_field is not None:
            field, value = sla_field
            requirement = f"must be shorter than the {horizon_hours:g}-hour horizon, or no task falls due within it"
        else:
            field, value = fields["days"]
            requirement = (
                f"must be longer than the SLA's {turnaround:g}-hour turnaround, or no task falls due within it"
            )
        raise ValidationFailed(field, value, requirement)
    if workload(scenario).tasks <= 0:
        field, value = fields["tasks"]
        raise ValidationFailed(field, value, "brings no tasks over the horizon: there is no SLA to judge")
    # Tasks arriving later than the turnaround before the horizon's end fall due after it: only earlier ones count.
    last_hour = horizon_hours - turnaround
    if expected_tasks(scenario, math.ceil(last_hour / 24.0)) <= 0:
        field, value = fields["tasks"]
        raise ValidationFailed(
            field,
            value,
            f"brings no task early enough to fall due within the horizon (arriving in its first {last_hour:g} "
            f"hours: the {horizon_hours:g}-hour horizon less the {turnaround:g}-hour turnaround): there is no SLA "
            "to judge",
        )


def _search_runs(input: CheapestPlanInput, options: list[HiringOption]) -> tuple[Path, int]:
    """Which of a plan search's replication counts asks for more runs (as :meth:`Planner.cheapest` counts them)."""
    screening, confirming = planning.search_runs(
        options, input.screen_replications, input.confirm_replications, input.finalists
    )
    if screening >= confirming:
        return ("screen_replications",), input.screen_replications
    # The confirming runs are (finalists + 2) plans times the confirming replications: name the larger factor.
    if input.finalists + 2 > input.confirm_replications:
        return ("finalists",), input.finalists
    return ("confirm_replications",), input.confirm_replications


def _check_offers_someone(offer: VendorOfferInput | None, mode: OfferMode | None) -> None:
    """An offer of nobody (no one at the start, no one in its ramp) answers no question: added, the team is the
    base's; replacing it, nobody works. (A plan search may start from such an offer: its options hire into it.)"""
    if offer is None or offer.headcount > 0 or any(step.count > 0 for step in offer.ramp):
        return
    effect = "the team would be the base's alone" if mode is OfferMode.ADD else "nobody would work"
    raise ValidationFailed(
        ("offer", "headcount"), offer.headcount, f"must be > 0, or the ramp must hire someone: {effect}"
    )


def _planner(info: Info) -> Planner:
    return Planner(info.context.database, info.context.settings)


def _variant_fields(fields: Fields, index: int, variant: Variant) -> Fields:
    """A variant's budget fields: its own input where it changes demand or head count."""
    own = dict(fields)
    if variant.demand_multiplier != 1.0 or variant.spikes:
        own["tasks"] = (("variants", index, "demand_multiplier"), variant.demand_multiplier)
    if variant.headcount_delta:
        own["labelers"] = (("variants", index, "headcount_delta"), variant.headcount_delta)
    return own


@strawberry.type
class PlanningQueries:
    @strawberry.field(description="The latest version of every stored scenario, by name.")
    async def scenarios(self, info: Info) -> list[ScenarioVersion]:
        async with info.context.read() as session:
            return [ScenarioVersion.from_row(row) for row in await planning.latest_scenarios(session)]

    @strawberry.field(description="Every version of the scenario called `name`, oldest first.")
    async def scenario_versions(self, info: Info, name: str) -> list[ScenarioVersion]:
        async with info.context.read() as session:
            return [ScenarioVersion.from_row(row) for row in await planning.scenario_history(session, name)]

    @strawberry.field(description="One stored scenario version.")
    async def scenario(self, info: Info, id: relay.GlobalID) -> ScenarioVersion | None:
        try:
            key = decode_id(id, "ScenarioVersion", ("id",))
        except DomainError as error:
            raise as_graphql_error(error) from None
        async with info.context.read() as session:
            row = await planning.find_scenario(session, key)
            return None if row is None else ScenarioVersion.from_row(row)

    @strawberry.field(description="A simulation run: poll it until its status is DONE, FAILED or CANCELLED.")
    async def run(self, info: Info, id: relay.GlobalID) -> SimulationRunType | None:
        try:
            key = decode_id(id, "SimulationRun", ("id",))
        except DomainError as error:
            raise as_graphql_error(error) from None
        async with info.context.read() as session:
            found = await planning.run_with_scenario(session, key)
        return None if found is None else SimulationRunType.from_row(*found)

    @strawberry.field(description="Recent simulation runs, newest first (at most 100).")
    async def runs(self, info: Info, status: RunStatus | None = None, first: int = 20) -> list[SimulationRunType]:
        wanted = None if status is None else _RunStatus(status.value)
        async with info.context.read() as session:
            rows = await planning.recent_runs(session, wanted, first)
        return [SimulationRunType.from_row(run, scenario) for run, scenario in rows]

    @strawberry.field(
        permission_classes=[CanPlan],
        description="Probability that a demand and a vendor offer meet the SLA, with a 95% CI, and "
        "the first week that fails. Takes seconds.",
    )
    async def sla_feasibility(self, info: Info, input: SlaFeasibilityInput) -> FeasibilityResult:
        try:
            base = await base_scenario(info, input.base, ("base",))
        except DomainError as error:
            return lookup_error(error, INPUT)
        try:
            _check_range(("replications",), input.replications, 2, MAX_FEASIBILITY_REPLICATIONS)
            _check_seed(input.seed)
            _check_range(("required_probability",), input.required_probability, 1e-9, 1.0)
            scenario = apply_overrides(base, input.demand, input.sla, input.horizon_weeks)
            scenario = with_offer(scenario, input.offer, input.offer_mode)
            _check_offers_someone(input.offer, input.offer_mode)
        except (ScenarioError, DomainError) as error:
            return scenario_error(error)
        fields = _feasibility_fields(input, base, scenario)
        if input.sla is not None:
            sla_field: tuple[Path, Any] | None = (("sla", "turnaround_hours"), input.sla.turnaround_hours)
        else:
            sla_field = None
        try:
            _check_judgeable(scenario, fields, sla_field)
            report = await _planner(info).feasibility(
                scenario,
                fields,
                replications=input.replications,
                seed=input.seed,
                required_probability=input.required_probability,
            )
        except DomainError as error:
            return lookup_error(error, INPUT)
        except (ScenarioError, ValueError) as error:
            return scenario_error(error)
        return SlaFeasibility(
            feasible=report.feasible,
            probability=report.probability,
            ci_low=report.ci_low,
            ci_high=report.ci_high,
            required_probability=report.required_probability,
            replications=report.replications,
            first_failing_week=report.first_failing_week,
            weekly_probability=list(report.weekly_probability),
            sla_attainment=_estimate("sla_attainment", report.sla_attainment),
            total_cost=_estimate("total_cost", report.total_cost),
            backlog_end=_estimate("backlog_end", report.backlog_end),
            scenario=cast(JSON, scenario_to_dict(scenario)),
        )

    @strawberry.field(
        permission_classes=[CanPlan],
        description="The cheapest hiring plan (how many, from which pools, when) meeting the SLA with "
        "the required probability; screened with few replications, finalists confirmed with more.",
    )
    async def cheapest_plan(self, info: Info, input: CheapestPlanInput) -> CheapestPlanResult:
        try:
            base = await base_scenario(info, input.base, ("base",))
        except DomainError as error:
            return lookup_error(error, INPUT)
        try:
            _check_range(("confirm_replications",), input.confirm_replications, 2, 500)
            _check_seed(input.seed)
            scenario = with_offer(base, input.offer, input.offer_mode)
        except (ScenarioError, DomainError) as error:
            return scenario_error(error)
        try:
            options = [HiringOption(o.pool, tuple(o.counts), tuple(o.days)) for o in input.options]
            runs = _search_runs(input, options)
            fields = {**base_fields(input.base, base, runs=runs), "labelers": (("options",), None)}
            _check_judgeable(scenario, fields, None)
            search = await _planner(info).cheapest(
                scenario,
                options,
                fields,
                required_probability=input.required_probability,
                screen_replications=input.screen_replications,
                confirm_replications=input.confirm_replications,
                finalists=input.finalists,
                seed=input.seed,
            )
        except DomainError as error:
            return lookup_error(error, INPUT)
        except (ScenarioError, ValueError) as error:
            return scenario_error(error)
        return PlanSearch(
            feasible=search.feasible,
            best=_plan(search.best),
            runner_ups=[_plan(e) for e in search.runner_ups],
            candidates=search.candidates,
            evaluated=search.evaluated,
            required_probability=search.required_probability,
            reviewers=search.reviewers,
            limits=[PlanLimit(kind=PlanLimitKind(limit.kind), message=limit.message) for limit in search.limits],
            pruned=[PrunedPool(pool=p.pool, reason=p.reason) for p in search.pruned],
        )

    @strawberry.field(
        permission_classes=[CanPlan],
        description="Run what-if variants of a scenario side by side on the same random numbers; the "
        "base comes first as `baseline`.",
    )
    async def compare_scenarios(self, info: Info, input: CompareScenariosInput) -> CompareResult:
        try:
            base = await base_scenario(info, input.base, ("base",))
        except DomainError as error:
            return lookup_error(error, INPUT)
        variants: list[Variant] = []
        try:
            _check_range(("replications",), input.replications, 2, MAX_COMPARE_REPLICATIONS)
            _check_range(("variants",), len(input.variants), 1, MAX_VARIANTS)
            _check_seed(input.seed)
        except (ScenarioError, DomainError) as error:
            return scenario_error(error)
        for index, item in enumerate(input.variants):
            try:
                variant = Variant(
                    name=item.name,
                    pool=item.pool,
                    demand_multiplier=item.demand_multiplier,
                    spikes=spikes_from(item.spikes),
                    hiring_delay_multiplier=item.hiring_delay_multiplier,
                    learning_tau_multiplier=item.learning_tau_multiplier,
                    attrition_multiplier=item.attrition_multiplier,
                    headcount_delta=item.headcount_delta,
                    speed_multiplier=item.speed_multiplier,
                )
                check_variant(base, variant)
                _check_distinct(variant, variants)
                variants.append(variant)
            except (ScenarioError, DomainError) as error:
                return scenario_error(error, ("variants", index))
        fields = base_fields(input.base, base, runs=(("replications",), input.replications))
        try:
            results = await _planner(info).compare(
                base,
                [(variant, _variant_fields(fields, index, variant)) for index, variant in enumerate(variants)],
                fields,
                replications=input.replications,
                seed=input.seed,
            )
        except DomainError as error:
            return lookup_error(error, INPUT)
        except (ScenarioError, ValueError) as error:
            return scenario_error(error, ("variants",))
        return ScenarioComparison(
            replications=input.replications,
            seed=input.seed,
            variants=[
                VariantSummary(name=r.name, summary=estimate_list({k: v.to_dict() for k, v in r.summary.items()}))
                for r in results
            ],
        )

    @strawberry.field(
        permission_classes=[CanPlan],
        description="A scenario fitted to a project's recorded history: each active vendor's people by stage "
        "with their hours, working days, shifts, speed, tenure and attrition; the reviewers with their hours and "
        "pay; learning curve, review and rework, demand pattern.",
    )
    async def calibrate_scenario(
        self,
        info: Info,
        project_id: relay.GlobalID,
        demand_from: Annotated[
            DemandSource,
            strawberry.argument(
                description="HISTORY: the demand pattern fitted to arrivals; DELIVERY_PLAN: the pace the project's "
                "milestones ask for, per week from where history ends, over a horizon reaching the last one."
            ),
        ] = DemandSource.HISTORY,
    ) -> CalibrateResult:
        from server.services.history import calibrated_scenario

        try:
            key = decode_id(project_id, "Project", ("project_id",))
            require_project_scope(info, key)
            calibration = await calibrated_scenario(
                info.context.database,
                key,
                field=("project_id",),
                demand_from_plan=demand_from is DemandSource.DELIVERY_PLAN,
            )
        except DomainError as error:
            return lookup_error(error)
        return CalibrationResult(
            project_id=project_id,
            document=cast(JSON, scenario_to_dict(calibration.scenario)),
            fitted=from_service(CalibrationFitType, calibration.fitted),
            weeks_of_history=calibration.weeks_of_history,
        )

    @strawberry.field(
        permission_classes=[CanPlan],
        description="Calibrate on weeks 1..trainWeeks of history, forecast the next horizonWeeks, "
        "and report the mean absolute percentage error of weekly throughput and backlog.",
    )
    async def backtest(
        self,
        info: Info,
        project_id: relay.GlobalID,
        train_weeks: int,
        horizon_weeks: int = 4,
        replications: int = 16,
        parameter_draws: Annotated[
            bool,
            strawberry.argument(
                description="Each replication draws the calibrated speeds, hours and review figures from their "
                "95% intervals, so the forecast's intervals carry the calibration's uncertainty as well as the "
                "simulator's draws."
            ),
        ] = False,
        planner_rule: Annotated[
            bool,
            strawberry.argument(
                description="Finish new tasks as planning answers do: the scenario carries the recorded review and "
                "rework waits, and the wait to be labeled is the simulated team's alone (by default a task also "
                "waits at least as long as a recorded pickup of its time of the week)."
            ),
        ] = False,
    ) -> BacktestResult:
        from server.graphql.planning.backtest import backtest_report
        from server.services.backtest import run_backtest

        try:
            key = decode_id(project_id, "Project", ("project_id",))
            require_project_scope(info, key)
            report = await run_backtest(
                info.context.database,
                key,
                train_weeks=train_weeks,
                horizon_weeks=horizon_weeks,
                replications=replications,
                parameter_draws=parameter_draws,
                planner_rule=planner_rule,
            )
        except DomainError as error:
            return lookup_error(error)
        return backtest_report(project_id, report)
