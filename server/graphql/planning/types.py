"""Planning types: stored scenario versions, simulation runs, feasibility, plans, what-if and backtest answers."""

from __future__ import annotations

import math
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.db.planning import RunStatus as _RunStatus
from server.db.planning import SimulationRun as _RunRow
from server.db.planning import StoredScenario as _ScenarioRow
from server.graphql.errors import MutationError, NotFoundError, ValidationError
from server.graphql.planning.calibration import CalibrationFitType
from simulator.results import metric_range

__all__ = [
    "BacktestResult",
    "CalibrationResult",
    "CheapestPlanResult",
    "CompareResult",
    "DemandSource",
    "FeasibilityResult",
    "HireType",
    "MetricEstimate",
    "PlanEvaluationType",
    "PlanSearch",
    "RunPayload",
    "RunProgress",
    "RunResult",
    "RunStatus",
    "ScenarioComparison",
    "ScenarioPayload",
    "ScenarioResult",
    "ScenarioVersion",
    "SimulationRunType",
    "SlaFeasibility",
    "VariantSummary",
    "estimate_list",
]

# Registered in place, so the data model's enum is the GraphQL enum (values pass through unchanged).
strawberry.enum(_RunStatus, name="RunStatus", description="QUEUED -> RUNNING -> DONE | FAILED | CANCELLED.")
RunStatus = _RunStatus


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@strawberry.type(
    description="A summary metric across replications: mean with its Student t 95% interval, cut to the values "
    "the metric can take (shares 0 to 1, counts and costs >= 0)."
)
class MetricEstimate:
    name: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    std: float | None
    n: int = strawberry.field(description="Replications with a finite value (e.g. runs that finished the work).")


def estimate_list(summary: dict[str, Any], names: tuple[str, ...] | None = None) -> list[MetricEstimate]:
    """Estimates from a summary dict in its JSON form (`{name: {mean, ci_low, ci_high, std, n}}`)."""
    keys = names or tuple(summary)
    out = []
    for key in keys:
        item = summary.get(key)
        if item is None:
            continue
        data = item if isinstance(item, dict) else item.to_dict()
        # A t interval on few replications can reach past what the figure can be (an attainment above 1, a
        # negative cost); the figure's range holds its mean for certain, so the interval is cut to it.
        low, high = metric_range(key)
        ci_low, ci_high = _number(data.get("ci_low")), _number(data.get("ci_high"))
        out.append(
            MetricEstimate(
                name=key,
                mean=_number(data.get("mean")),
                ci_low=None if ci_low is None else min(max(ci_low, low), high),
                ci_high=None if ci_high is None else max(min(ci_high, high), low),
                std=_number(data.get("std")),
                n=int(data.get("n", 0)),
            )
        )
    return out


@strawberry.type(description="One immutable version of a named scenario; saving again makes the next version.")
class ScenarioVersion:
    id: relay.GlobalID
    name: str
    version: int
    description: str
    document: JSON = strawberry.field(description="The scenario as JSON, field by field as in the TOML files.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: _ScenarioRow) -> ScenarioVersion:
        return cls(
            id=relay.GlobalID("ScenarioVersion", str(row.id)),
            name=row.name,
            version=row.version,
            description=row.description,
            document=cast(JSON, row.document),
            created_at=row.created_at,
        )


@strawberry.type(name="SimulationRun", description="A Monte Carlo run of a scenario version; poll it or subscribe.")
class SimulationRunType:
    id: relay.GlobalID
    status: RunStatus
    progress: float = strawberry.field(description="Share of replications done, 0 to 1.")
    replications: int
    seed: int
    executor: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    scenario: ScenarioVersion
    result: JSON | None = strawberry.field(
        description="The aggregate once DONE: summary estimates, daily bands, per-replication samples."
    )

    @strawberry.field(description="Summary estimates once DONE (empty before).")
    def summary(self) -> list[MetricEstimate]:
        if not isinstance(self.result, dict):
            return []
        return estimate_list(self.result.get("summary", {}))

    @classmethod
    def from_row(cls, row: _RunRow, scenario: _ScenarioRow) -> SimulationRunType:
        return cls(
            id=relay.GlobalID("SimulationRun", str(row.id)),
            status=row.status,
            progress=row.progress,
            replications=row.replications,
            seed=row.seed,
            executor=row.executor,
            error=row.error,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            scenario=ScenarioVersion.from_row(scenario),
            result=cast(JSON | None, row.result),
        )


@strawberry.type(description="A run's state at one moment, as streamed by `runProgress`.")
class RunProgress:
    run_id: relay.GlobalID
    status: RunStatus
    progress: float
    error: str | None


@strawberry.type
class ScenarioPayload:
    scenario: ScenarioVersion


@strawberry.type
class RunPayload:
    run: SimulationRunType


ScenarioResult = Annotated[ScenarioPayload | MutationError, strawberry.union("ScenarioResult")]
RunResult = Annotated[RunPayload | MutationError, strawberry.union("RunResult")]


@strawberry.type(description="Whether a demand and a vendor offer meet the SLA, and how sure that is.")
class SlaFeasibility:
    feasible: bool
    probability: float = strawberry.field(description="Share of replications whose SLA attainment met the target.")
    ci_low: float = strawberry.field(description="Wilson 95% interval of the probability.")
    ci_high: float
    required_probability: float
    replications: int
    first_failing_week: int | None = strawberry.field(
        description="First week (from 1) whose chance of meeting the SLA is below the required probability."
    )
    weekly_probability: list[float] = strawberry.field(
        description="Per week (week 1 first): share of replications whose attainment over the tasks that fell due "
        "in the week (arrival plus turnaround) met the target; a week in which nothing fell due counts as met."
    )
    sla_attainment: MetricEstimate
    total_cost: MetricEstimate
    backlog_end: MetricEstimate
    scenario: JSON = strawberry.field(description="The scenario that was simulated (offer applied).")


FeasibilityResult = Annotated[SlaFeasibility | ValidationError | NotFoundError, strawberry.union("FeasibilityResult")]


@strawberry.type(name="Hire", description="`count` people start a pool's hiring pipeline on `day`.")
class HireType:
    pool: str
    day: float
    count: int


@strawberry.type(name="PlanEvaluation")
class PlanEvaluationType:
    hires: list[HireType]
    description: str
    replications: int
    probability: float = strawberry.field(description="Share of replications meeting the SLA.")
    probability_ci_low: float
    probability_ci_high: float
    sla_attainment: MetricEstimate
    expected_cost: MetricEstimate


@strawberry.enum(description="Where a calibrated scenario's demand comes from.")
class DemandSource(Enum):
    HISTORY = "history"
    DELIVERY_PLAN = "delivery_plan"


@strawberry.enum(description="What keeps the closest plan from meeting the SLA.")
class PlanLimitKind(Enum):
    HIRING_LAG = "hiring_lag"
    HORIZON = "horizon"
    MAX_HIRES = "max_hires"
    NO_EFFECT = "no_effect"
    RECORDED_WAITS = "recorded_waits"


@strawberry.type
class PlanLimit:
    kind: PlanLimitKind
    message: str


@strawberry.type(description="A pool the search left out, and why.")
class PrunedPool:
    pool: str
    reason: str


@strawberry.type(description="The cheapest plan found, its cost and SLA attainment with CIs, and the runner-ups.")
class PlanSearch:
    feasible: bool = strawberry.field(description="False when no plan met the required probability.")
    best: PlanEvaluationType = strawberry.field(description="The cheapest plan meeting the SLA, else the closest.")
    runner_ups: list[PlanEvaluationType]
    candidates: int = strawberry.field(description="How many plans the options allow (never listed).")
    evaluated: int = strawberry.field(description="How many plans the search simulated.")
    required_probability: float
    reviewers: int = strawberry.field(description="The review team every plan ran with, sized from review demand.")
    limits: list[PlanLimit] = strawberry.field(description="Why the closest plan falls short (empty when feasible).")
    pruned: list[PrunedPool]


CheapestPlanResult = Annotated[PlanSearch | ValidationError | NotFoundError, strawberry.union("CheapestPlanResult")]


@strawberry.type(description="One what-if variant's summary on the shared replication seeds.")
class VariantSummary:
    name: str
    summary: list[MetricEstimate]


@strawberry.type
class ScenarioComparison:
    replications: int
    seed: int
    variants: list[VariantSummary]


CompareResult = Annotated[ScenarioComparison | ValidationError | NotFoundError, strawberry.union("CompareResult")]


@strawberry.type(description="A scenario fitted to a project's recorded history, with the fitted figures.")
class CalibrationResult:
    project_id: relay.GlobalID
    document: JSON = strawberry.field(description="The calibrated scenario, ready for `saveScenario`.")
    fitted: CalibrationFitType = strawberry.field(
        description="Fitted figures with their confidence intervals and the observations behind them."
    )
    weeks_of_history: float


CalibrateResult = Annotated[CalibrationResult | ValidationError | NotFoundError, strawberry.union("CalibrateResult")]


@strawberry.type(description="One week's tasks: completed in it, completed since the cut, open at its end.")
class BacktestFigures:
    throughput: float
    completions: float
    backlog: float


@strawberry.type(description="A week's forecast interval: the replications' 5th and 95th percentiles of each figure.")
class BacktestInterval:
    low: BacktestFigures
    high: BacktestFigures


@strawberry.type(description="How many forecast weeks' records fell inside the forecast's 90% interval, per figure.")
class BacktestWithin:
    throughput: int
    completions: int
    backlog: int
    weeks: int


@strawberry.type
class BacktestWeek:
    week: int = strawberry.field(description="Week of history, from 1.")
    actual: BacktestFigures
    conditional: BacktestFigures = strawberry.field(description="Forecast fed the demand that actually arrived.")
    unconditional: BacktestFigures = strawberry.field(description="Forecast on the fitted demand.")
    baseline: BacktestFigures = strawberry.field(
        description="Naive: the last four weeks' mean throughput, and the backlog at the cut, carried forward."
    )
    open_actual: OpenBacklog = strawberry.field(
        description="Tasks open at the week's end in the records, by stage: where a backlog error sits."
    )
    conditional_interval: BacktestInterval
    unconditional_interval: BacktestInterval
    actual_throughput: float
    forecast_throughput: float = strawberry.field(description="Unconditional forecast (as `unconditional`).")
    actual_backlog: float
    forecast_backlog: float = strawberry.field(description="Unconditional forecast (as `unconditional`).")


@strawberry.type(description="Mean absolute percentage errors over the forecast weeks, in percent.")
class BacktestErrors:
    throughput_mape: float | None
    completions_mape: float | None
    backlog_mape: float | None


@strawberry.type(description="Tasks open at the cut by stage: the forecasts' initial state.")
class OpenBacklog:
    to_label: int
    in_review: int
    in_rework: int
    total: int


@strawberry.type(description="Days from the cut until the tasks open there were done.")
class ClearingTime:
    median_days: float
    p90_days: float


@strawberry.type(
    description="Calibrate on weeks 1..k, forecast k+1..k+h from the state at the cut, compare with what happened: "
    "a conditional forecast fed the demand that arrived (the capacity and flow model's error), an unconditional "
    "one on fitted demand, and naive baselines."
)
class BacktestReport:
    project_id: relay.GlobalID
    train_weeks: int
    horizon_weeks: int
    open_at_cut: OpenBacklog
    open_cleared_actual: ClearingTime | None = strawberry.field(
        description="How long the backlog open at the cut took to clear in the records (null: not cleared by then)."
    )
    open_cleared_forecast: ClearingTime | None = strawberry.field(
        description="The same in the conditional forecast, over all its replications."
    )
    conditional: BacktestErrors
    unconditional: BacktestErrors
    baseline: BacktestErrors
    conditional_floor: BacktestErrors = strawberry.field(
        description="The conditional forecast's error against worlds drawn from its own model (its replications): "
        "what even a right model misses. A forecast far above its floor, with records outside its intervals, is "
        "the model's error; one near it is noise no forecast removes."
    )
    conditional_held_out: list[BacktestErrors] = strawberry.field(
        description="Each of the conditional forecast's replications taken in turn as the world and forecast by the "
        "mean of the others: what a right model's forecast scores, world by world. The share of them within a "
        "target is the chance that even a right model meets it."
    )
    conditional_within: BacktestWithin
    unconditional_within: BacktestWithin
    throughput_mape: float | None = strawberry.field(description="Unconditional forecast's, in percent.")
    backlog_mape: float | None = strawberry.field(description="Unconditional forecast's, in percent.")
    weeks: list[BacktestWeek]


BacktestResult = Annotated[BacktestReport | ValidationError | NotFoundError, strawberry.union("BacktestResult")]
