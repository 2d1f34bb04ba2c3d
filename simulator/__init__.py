"""LabelOps workforce simulator: scenarios, plugins, the engine and its results."""

from simulator.engine import FlowName, run_replication
from simulator.examples import benchmark_scenario
from simulator.loading import (
    dump_scenario,
    dumps_scenario,
    load_scenario,
    loads_scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from simulator.registry import PluginInfo, list_plugins, load_plugin
from simulator.results import DailySeries, RunSummary, SimulationResult, TaskRecords
from simulator.scenario import (
    SLA,
    Benchmark,
    Calendar,
    Consensus,
    Demand,
    Distribution,
    Headcount,
    ModelSpec,
    Pool,
    PoolShare,
    Project,
    Review,
    Scenario,
    ScenarioError,
    ServiceTime,
    Spike,
)

__all__ = [
    "SLA",
    "Benchmark",
    "Calendar",
    "Consensus",
    "DailySeries",
    "Demand",
    "Distribution",
    "FlowName",
    "Headcount",
    "ModelSpec",
    "PluginInfo",
    "Pool",
    "PoolShare",
    "Project",
    "Review",
    "RunSummary",
    "Scenario",
    "ScenarioError",
    "ServiceTime",
    "SimulationResult",
    "Spike",
    "TaskRecords",
    "benchmark_scenario",
    "dump_scenario",
    "dumps_scenario",
    "list_plugins",
    "load_plugin",
    "load_scenario",
    "loads_scenario",
    "run_replication",
    "scenario_from_dict",
    "scenario_to_dict",
]
