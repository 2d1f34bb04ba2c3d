"""Planning inputs and their translation into scenarios; scenario errors become field-level validation errors."""

from __future__ import annotations

import datetime
import math
from dataclasses import replace
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.auth.permissions import require_project_scope
from server.graphql.context import Info
from server.graphql.errors import INPUT, NotFoundError, ValidationError, client_path, lookup_error
from server.graphql.ids import decode_id
from server.services import scenarios as scenario_service
from server.services.errors import DomainError, Path, Verbatim
from server.services.simulation_budget import Fields
from simulator.demand_plan import DemandPlan, Launch, demand_plan, plan_params, weekly_plan_from_csv
from simulator.planning.feasibility import OfferMode as _OfferMode
from simulator.planning.feasibility import VendorOffer, apply_offer
from simulator.scenario import Demand, Project, Scenario, ScenarioError, ScenarioPath, Spike, invalid, path_text

__all__ = [
    "DemandInput",
    "LaunchInput",
    "OfferMode",
    "RampStepInput",
    "ScenarioSourceInput",
    "SlaInput",
    "SpikeInput",
    "VendorOfferInput",
    "apply_overrides",
    "base_fields",
    "base_scenario",
    "offer_from",
    "scenario_error",
    "spikes_from",
    "with_offer",
]


def scenario_error(error: Exception, path: Path = ()) -> ValidationError | NotFoundError:
    """A failure met while building a planning question's scenario, under ``input`` + ``path``.

    A ScenarioError's own path names the question's inputs in snake_case (``offer.time_to_hire_days``), so it
    is rendered like any input path; a plugin's ValueError names no field.
    """
    if isinstance(error, DomainError):
        return lookup_error(error, (*INPUT, *path))
    if not isinstance(error, ScenarioError):
        return ValidationError(message=str(error), field=client_path(path, INPUT), value=None)
    own = scenario_service.scenario_path(error.path) if error.path else ()
    failure = DomainError(str(error), path=(*path, *own), requirement=error.requirement, value=error.value)
    return lookup_error(failure, INPUT)


@strawberry.input(description="Where a planning question starts: a stored version, a document, or a project's history.")
class ScenarioSourceInput:
    scenario_id: relay.GlobalID | None = strawberry.field(default=None, description="A stored ScenarioVersion.")
    document: JSON | None = strawberry.field(default=None, description="A scenario document (JSON).")
    project_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Calibrate a scenario from this project's recorded history."
    )


@strawberry.input
class SpikeInput:
    start_day: float
    duration_days: float
    multiplier: float


def spikes_from(items: list[SpikeInput], path: ScenarioPath = ()) -> tuple[Spike, ...]:
    """The spikes a request gives under ``path``; a bad one is named by its place in the request
    (``spikes[1].durationDays``), not by the scenario's ``demand.spikes[]`` that names no spike."""
    spikes = []
    for i, item in enumerate(items):
        try:
            spikes.append(Spike(item.start_day, item.duration_days, item.multiplier))
        except ScenarioError as error:
            attribute = error.path[-1] if error.path else "start_day"
            raise invalid((*path, "spikes", i, attribute), error.requirement or str(error), error.value) from None
    return tuple(spikes)


@strawberry.input(description="A named launch: extra tasks spread evenly over its days; placed by date or by day.")
class LaunchInput:
    name: str
    date: datetime.date | None = strawberry.field(
        default=None, description="First day of the launch (needs the demand's startDate)."
    )
    start_day: float | None = strawberry.field(default=None, description="Or: days from the scenario's start.")
    extra_tasks: float = strawberry.field(description="Tasks the launch adds over its whole duration.")
    duration_days: float


@strawberry.input(description="Arriving work; fields left out keep the base scenario's.")
class DemandInput:
    base_per_day: float | None = None
    trend_per_week: float | None = None
    weekly: list[float] | None = strawberry.field(default=None, description="7 factors, Monday first.")
    minutes_per_label: float | None = strawberry.field(default=None, description="A novice's mean minutes per label.")
    spikes: list[SpikeInput] | None = None
    start_date: datetime.date | None = strawberry.field(
        default=None, description="The calendar date of the scenario's day 0 (to place launches by date)."
    )
    weekly_plan: list[float] | None = strawberry.field(
        default=None, description="Tasks per week, week 1 first; later weeks keep the base pattern."
    )
    weekly_plan_csv: str | None = strawberry.field(
        default=None, description="The same as CSV text: 'week,tasks' rows (a header allowed) or one number a line."
    )
    launches: list[LaunchInput] | None = None


def _with_path(error: ScenarioError, path: ScenarioPath) -> ScenarioError:
    """``error`` re-addressed to the request's field ``path`` (its message names the scenario's field)."""
    return ScenarioError(f"{path_text(path)}: {error}", path=path)


def _plan_from(demand: DemandInput, current: DemandPlan) -> DemandPlan:
    """The request's demand plan over the base scenario's; ScenarioError naming the request's field."""
    if demand.weekly_plan is not None and demand.weekly_plan_csv is not None:
        raise ScenarioError(
            "demand.weekly_plan and demand.weekly_plan_csv are two ways to give one plan: give one of them, got both",
            path=("demand", "weekly_plan_csv"),
        )
    volumes = current.weekly_volumes
    if demand.weekly_plan_csv is not None:
        volumes = weekly_plan_from_csv(demand.weekly_plan_csv, path=("demand", "weekly_plan_csv"))
    elif demand.weekly_plan is not None:
        volumes = tuple(demand.weekly_plan)
        for i, value in enumerate(volumes):
            if not math.isfinite(value) or value < 0:
                at = ("demand", "weekly_plan", i)
                raise invalid(at, "must be a number of tasks >= 0", value)
    start_date = demand.start_date if demand.start_date is not None else current.start_date
    plan = DemandPlan(volumes, (), start_date)
    if demand.launches is None:
        return DemandPlan(volumes, current.launches, start_date)
    launches = []
    for i, item in enumerate(demand.launches):
        path = ("demand", "launches", i)
        if (item.date is None) == (item.start_day is None):
            raise ScenarioError(
                f"{path_text(path)}.date or {path_text(path)}.start_day must place the launch (exactly one of them), "
                f"got {(item.date, item.start_day)!r}",
                path=(*path, "date"),
            )
        start = plan.day_of(item.date, path=(*path, "date")) if item.date is not None else item.start_day
        try:
            launches.append(Launch(item.name, cast(float, start), item.extra_tasks, item.duration_days))
        except ScenarioError as error:
            attribute = error.path[-1] if error.path else "name"
            raise _with_path(error, (*path, attribute)) from None
    try:
        return DemandPlan(volumes, tuple(launches), start_date)
    except ScenarioError as error:
        raise _with_path(error, ("demand", "launches")) from None


@strawberry.input
class SlaInput:
    turnaround_hours: float
    required_attainment: float = strawberry.field(description="Share of tasks that must meet the turnaround.")


@strawberry.input
class RampStepInput:
    week: int = strawberry.field(description="Week (from 0) on which these people start the hiring pipeline.")
    count: int


@strawberry.input(description="A vendor's offer: people, ramp, pricing (hourly or per label) and learning curve.")
class VendorOfferInput:
    name: str = "offer"
    headcount: int = strawberry.field(default=10, description="People in production on day 0.")
    ramp: list[RampStepInput] = strawberry.field(default_factory=list)
    hourly_rate: float | None = None
    price_per_label: float | None = None
    vendor_fee_share: float = 0.0
    time_to_hire_days: float = 14.0
    training_days: float = 5.0
    attrition_per_week: float = 0.01
    initial_tenure_weeks: float = 0.0
    speed_factor: float = 1.0
    hours_per_day: float = strawberry.field(
        default=8.0, description="Each offered person's hours on the project per working day (hires too)."
    )
    learning_plateau_share: float | None = strawberry.field(
        default=None, description="Time per label at plateau relative to a novice (0.7 = 30% faster)."
    )
    learning_tau_weeks: float | None = None


@strawberry.enum(description="How an offer meets the base scenario's team; asked explicitly, never guessed.")
class OfferMode(Enum):
    ADD = "add"
    REPLACE = "replace"


OFFER_MODE_HELP = "ADD (the offer joins the current team) or REPLACE (the offer is the whole team)"


def with_offer(scenario: Scenario, offer: VendorOfferInput | None, mode: OfferMode | None) -> Scenario:
    """``scenario`` with the request's offer in the mode it names; ScenarioError when one is given without the other."""
    if offer is None:
        if mode is not None:
            raise ScenarioError(f"offerMode needs an offer to apply, got {mode.name} without one", path=("offer_mode",))
        return scenario
    if mode is None:
        raise ScenarioError(
            f"offerMode must be {OFFER_MODE_HELP} when an offer is given, got null", path=("offer_mode",)
        )
    return apply_offer(scenario, offer_from(offer), _OfferMode(mode.value))


def offer_from(value: VendorOfferInput) -> VendorOffer:
    return VendorOffer(
        name=value.name,
        headcount=value.headcount,
        ramp=tuple((step.week, step.count) for step in value.ramp),
        hourly_rate=value.hourly_rate,
        price_per_label=value.price_per_label,
        vendor_fee_share=value.vendor_fee_share,
        time_to_hire_days=value.time_to_hire_days,
        training_days=value.training_days,
        attrition_per_week=value.attrition_per_week,
        initial_tenure_weeks=value.initial_tenure_weeks,
        speed_factor=value.speed_factor,
        hours_per_day=value.hours_per_day,
        learning_plateau_share=value.learning_plateau_share,
        learning_tau_weeks=value.learning_tau_weeks,
    )


#: The inputs that shape arrivals as the ``pattern`` model does; the rest (minutes per label, spikes) apply to any.
_PATTERN_INPUTS = (
    "base_per_day",
    "trend_per_week",
    "weekly",
    "weekly_plan",
    "weekly_plan_csv",
    "launches",
    "start_date",
)


def _demand_from(current: Demand, demand: DemandInput) -> Demand:
    """The base scenario's demand with the request's changes. A base whose arrivals come from another model (a
    recorded trace) keeps them unless the request gives a pattern, which then needs its own base rate: the base's
    unused ``base_per_day`` would otherwise set the demand silently."""
    projects = current.projects
    if demand.minutes_per_label is not None:
        projects = (Project(projects[0].name, 1.0, demand.minutes_per_label),)
    spikes = current.spikes if demand.spikes is None else spikes_from(demand.spikes, ("demand",))
    given = [name for name in _PATTERN_INPUTS if getattr(demand, name) is not None]
    if current.model != "pattern":
        if not given:
            return replace(current, projects=projects, spikes=spikes)
        if demand.base_per_day is None:
            requirement = (
                f"replaces the base scenario's {current.model!r} demand with the pattern, so it needs "
                "input.demand.basePerDay as well"
            )
            raise invalid(("demand", given[0]), requirement, getattr(demand, given[0]))
    params = dict(current.params) if current.model == "pattern" else {}
    plan = _plan_from(demand, demand_plan(current) if current.model == "pattern" else DemandPlan())
    for key in ("start_date", "weekly_volumes", "launches"):
        params.pop(key, None)
    params.update(plan_params(plan))
    return Demand(
        model="pattern",
        params=params,
        base_per_day=current.base_per_day if demand.base_per_day is None else demand.base_per_day,
        trend_per_week=current.trend_per_week if demand.trend_per_week is None else demand.trend_per_week,
        weekly=current.weekly if demand.weekly is None else tuple(demand.weekly),
        spikes=spikes,
        arrival_window=current.arrival_window,
        projects=projects,
    )


def apply_overrides(
    scenario: Scenario, demand: DemandInput | None, sla: SlaInput | None, horizon_weeks: int | None
) -> Scenario:
    """The base scenario with the demand, SLA and horizon a request gives (raises ScenarioError when invalid)."""
    if demand is not None:
        scenario = replace(scenario, demand=_demand_from(scenario.demand, demand))
    if sla is not None:
        # Keep what the input does not set (the waiting-time target) from the base scenario.
        changed_sla = replace(
            scenario.sla, turnaround_hours=sla.turnaround_hours, required_attainment=sla.required_attainment
        )
        scenario = replace(scenario, sla=changed_sla)
    if horizon_weeks is not None:
        if horizon_weeks < 1 or horizon_weeks > 104:
            raise invalid(("horizon_weeks",), "must be between 1 and 104", horizon_weeks)
        scenario = replace(scenario, horizon_days=7 * horizon_weeks)
    if demand is not None and demand.launches:
        _check_launches_in_horizon(scenario, demand.launches)
    return scenario


def _check_launches_in_horizon(scenario: Scenario, items: list[LaunchInput]) -> None:
    """Refuse a launch starting at or after the horizon: it adds no task to the question, and an answer would read
    as if the launch had been weighed (a what-if spike past the horizon is refused alike)."""
    horizon = scenario.horizon_days
    placed = demand_plan(scenario.demand).launches
    for index, (item, launch) in enumerate(zip(items, placed, strict=True)):
        if launch.start_day < horizon:
            continue
        requirement = f"must start within the {horizon}-day horizon, or the launch adds no task to it"
        if item.date is not None:
            where = f"{requirement} (it starts on day {launch.start_day:g})"
            raise invalid(("demand", "launches", index, "date"), where, item.date.isoformat())
        raise invalid(("demand", "launches", index, "start_day"), requirement, launch.start_day)


async def base_scenario(info: Info, source: ScenarioSourceInput | None, field: Path) -> Scenario:
    """The scenario a request starts from (default: the built-in default scenario); raises DomainError."""
    if source is None:
        return Scenario()
    given = [v for v in (source.scenario_id, source.document, source.project_id) if v is not None]
    if len(given) > 1:
        raise DomainError("give one of scenarioId, document and projectId", path=field)
    if source.scenario_id is not None:
        key = decode_id(source.scenario_id, "ScenarioVersion", (*field, "scenario_id"))
        async with info.context.read() as session:
            stored = await scenario_service.get_scenario(session, key, field=(*field, "scenario_id"))
            document = stored.document
        return scenario_service.parse_scenario(document, field=(*field, "scenario_id"))
    if source.document is not None:
        return scenario_service.parse_scenario(source.document, field=(*field, "document"))
    if source.project_id is not None:
        from server.services.history import calibrated_scenario

        key = decode_id(source.project_id, "Project", (*field, "project_id"))
        require_project_scope(info, key, field=(*field, "project_id"))
        calibration = await calibrated_scenario(info.context.database, key, field=(*field, "project_id"))
        return calibration.scenario
    return Scenario()


def base_fields(
    source: ScenarioSourceInput | None,
    scenario: Scenario,
    field: Path = ("base",),
    *,
    runs: tuple[Path, Any] | None = None,
) -> Fields:
    """Where each dimension of a base scenario comes from, as the client gave it. Without a base (the built-in
    default scenario) the client chose none of it: ``runs``, the input setting how many runs the request asks
    for, is then what they can change."""

    def named(path: Path, value: Any) -> tuple[Path, Any]:
        if source is None:
            return runs if runs is not None else (field, None)
        if source.document is not None:
            return (*field, "document", *(Verbatim(part) for part in path)), value
        if source.scenario_id is not None:
            return (*field, "scenario_id"), source.scenario_id.node_id
        if source.project_id is not None:
            return (*field, "project_id"), source.project_id.node_id
        return field, None

    people = sum(p.headcount.production + p.headcount.training + p.headcount.hiring for p in scenario.workforce)
    # A planned week's volume replaces the base rate over that week: with a plan, the plan sets the tasks.
    volumes = scenario.demand.params.get("weekly_volumes") if scenario.demand.model == "pattern" else None
    tasks = (
        named(("demand", "params", "weekly_volumes"), list(volumes))
        if volumes
        else named(("demand", "base_per_day"), scenario.demand.base_per_day)
    )
    return {
        "tasks": tasks,
        "labelers": named(("workforce",), people),
        "days": named(("horizon_days",), scenario.horizon_days),
    }
