"""The plugin registry: finds models registered under the ``labelops.plugins`` entry-point group.

Entry-point names are ``"<kind>.<name>"`` (kinds in :data:`simulator.interfaces.PLUGIN_KINDS`). Built-in
plugins in ``plugins/`` register through the project's own entry points, exactly like a third-party package.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, TypeVar

from simulator.interfaces import (
    PLUGIN_KINDS,
    CostModel,
    DemandModel,
    LearningCurve,
    QualityModel,
    StaffingPolicy,
)
from simulator.scenario import ModelSpec, Scenario, ScenarioError

__all__ = [
    "ENTRY_POINT_GROUP",
    "Models",
    "PluginInfo",
    "build_models",
    "call_plugin",
    "check_scenario_plugins",
    "create_plugin",
    "list_plugins",
    "load_plugin",
    "refresh",
]

ENTRY_POINT_GROUP = "labelops.plugins"

_PROTOCOLS: dict[str, type] = {
    "demand": DemandModel,
    "learning": LearningCurve,
    "quality": QualityModel,
    "staffing": StaffingPolicy,
    "cost": CostModel,
}


@dataclass(frozen=True)
class PluginInfo:
    """One installed plugin: what it models, its name, and the distribution that provides it."""

    kind: str
    name: str
    distribution: str
    version: str
    target: str


@functools.cache
def _entry_points() -> tuple[tuple[PluginInfo, metadata.EntryPoint], ...]:
    found = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        kind, _, name = entry.name.partition(".")
        if kind not in PLUGIN_KINDS or not name:
            continue  # not ours to interpret; listing it would suggest it can be used
        dist = entry.dist
        info = PluginInfo(
            kind=kind,
            name=name,
            distribution=dist.name if dist is not None else "",
            version=dist.version if dist is not None else "",
            target=entry.value,
        )
        found.append((info, entry))
    # One distribution can be visible twice on sys.path (e.g. an editable install); keep the first.
    unique: dict[tuple[str, str, str], tuple[PluginInfo, metadata.EntryPoint]] = {}
    for info, entry in found:
        unique.setdefault((info.kind, info.name, info.target), (info, entry))
    return tuple(sorted(unique.values(), key=lambda pair: (pair[0].kind, pair[0].name, pair[0].distribution)))


def refresh() -> None:
    """Forget what was discovered, so plugins installed since then are found."""
    importlib.invalidate_caches()
    _entry_points.cache_clear()
    load_plugin.cache_clear()


def list_plugins(kind: str | None = None) -> list[PluginInfo]:
    """Installed plugins, sorted by kind and name; only ``kind`` if given."""
    return [info for info, _ in _entry_points() if kind is None or info.kind == kind]


@functools.cache
def load_plugin(kind: str, name: str) -> Any:
    """The factory registered as ``kind.name``; :class:`ScenarioError` if none or several are installed."""
    if kind not in PLUGIN_KINDS:
        raise ScenarioError(f"plugin kind must be one of {', '.join(PLUGIN_KINDS)}, got {kind!r}")
    matches = [(info, entry) for info, entry in _entry_points() if info.kind == kind and info.name == name]
    if not matches:
        installed = ", ".join(info.name for info in list_plugins(kind)) or "none"
        raise ScenarioError(f"no {kind} plugin named {name!r} is installed (installed: {installed})")
    if len(matches) > 1:
        sources = ", ".join(f"{info.distribution} ({info.target})" for info, _ in matches)
        raise ScenarioError(f"{kind} plugin {name!r} is provided more than once: {sources}")
    info, entry = matches[0]
    try:
        return entry.load()
    except Exception as error:  # a third party's import can fail in any way; the user needs which and why
        source = f"{info.distribution} ({info.target})" if info.distribution else info.target
        raise ScenarioError(
            f"{kind} plugin {name!r} from {source} failed to load: {type(error).__name__}: {error}"
        ) from None


def create_plugin(kind: str, spec: ModelSpec, path: str | None = None) -> Any:
    """Build the plugin ``spec.model`` of ``kind`` with ``spec.params``; errors name ``path`` (default kind)."""
    where = path or kind
    try:
        factory = load_plugin(kind, spec.model)
    except ScenarioError as error:
        raise ScenarioError(f"{where}.model: {error}", path=(where, "model")) from None
    try:
        plugin = factory(**spec.params)
    except TypeError as error:
        raise ScenarioError(
            f"{where}.params rejected by {kind} plugin {spec.model!r}: {error}", path=(where, "params")
        ) from None
    except ValueError as error:
        if isinstance(error, ScenarioError) and error.path is not None:
            raise  # it names its own field already (demand.params.launches[Berlin].duration_days)
        raise ScenarioError(f"{where}.params.{error}", path=(where, "params")) from None
    except Exception as error:  # a third party's constructor can fail in any way; say which plugin and why
        raise ScenarioError(
            f"{where}.model: {kind} plugin {spec.model!r} failed to start: {type(error).__name__}: {error}",
            path=(where, "model"),
        ) from None
    protocol = _PROTOCOLS[kind]
    if not isinstance(plugin, protocol):
        raise ScenarioError(
            f"{where}.model: plugin {spec.model!r} does not implement {protocol.__name__}, got {plugin!r}",
            path=(where, "model"),
        )
    return plugin


_Result = TypeVar("_Result")


def call_plugin(where: str, name: str, method: Callable[..., _Result], *args: Any) -> _Result:
    """``method(*args)`` of the plugin ``name`` set at ``where`` (``learning``, ``costs``); what a third party's
    code raises becomes a :class:`ScenarioError` saying which plugin failed and why."""
    try:
        return method(*args)
    except ScenarioError:
        raise
    except Exception as error:
        raise ScenarioError(
            f"{where}.model {name!r} failed in {getattr(method, '__name__', 'a call')}: "
            f"{type(error).__name__}: {error}",
            path=(where, "model"),
        ) from None


@dataclass(frozen=True)
class Models:
    """The plugin instances a run uses."""

    demand: DemandModel
    learning: LearningCurve
    quality: QualityModel
    staffing: StaffingPolicy
    cost: CostModel


def build_models(scenario: Scenario) -> Models:
    """Instantiate every model the scenario names."""
    return Models(
        demand=create_plugin("demand", ModelSpec(scenario.demand.model, scenario.demand.params), "demand"),
        learning=create_plugin("learning", scenario.learning),
        quality=create_plugin("quality", scenario.quality),
        staffing=create_plugin("staffing", scenario.staffing),
        cost=create_plugin("cost", scenario.costs, "costs"),
    )


def check_scenario_plugins(scenario: Scenario) -> None:
    """Raise :class:`ScenarioError` unless every model the scenario names is installed and accepts its params."""
    build_models(scenario)
