"""Reading and writing scenarios as TOML or JSON documents.

The document mirrors the dataclasses in :mod:`simulator.scenario` field by field; unknown keys are rejected
with their full path, and values are validated by the dataclasses themselves. A model may be written as a
table (``learning = {model = "exponential", params = {tau_weeks = 2}}``) or just its name
(``learning = "none"``).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from simulator.scenario import (
    ITEM,
    Distribution,
    Key,
    ModelSpec,
    Scenario,
    ScenarioError,
    ScenarioPath,
    invalid,
    path_text,
)

__all__ = [
    "dump_scenario",
    "dumps_scenario",
    "load_scenario",
    "loads_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
]

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _build(cls: type, data: object, path: ScenarioPath) -> Any:
    if cls is ModelSpec and isinstance(data, str):
        data = {"model": data}
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{path_text(path) or 'scenario'} must be a table, got {data!r}", path=path or None)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in fields:
            unknown = (*path, str(key))
            raise ScenarioError(
                f"unknown key {path_text(unknown)!r}; expected one of {', '.join(fields)}", path=unknown
            )
    for name, spec in fields.items():
        required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        if required and name not in data:
            missing = (*path, name)
            raise ScenarioError(f"{path_text(missing)} is required", path=missing)
    hints = _hints(cls)
    kwargs = {key: _convert(hints[key], value, (*path, key)) for key, value in data.items()}
    try:
        return cls(**kwargs)
    except ScenarioError as error:
        raise _located(error, path, cls) from None


# Parts whose own checks name them by what they are rather than by the field that holds them.
_OWN_ROOTS: dict[type, str] = {Distribution: "distribution"}


def _located(error: ScenarioError, path: ScenarioPath, cls: type) -> ScenarioError:
    """A part such as Headcount validates itself as ``headcount.production``; inside ``workforce[0].headcount``
    the message must say which pool, so put the parent path in front (a Distribution, checked as
    ``distribution.mean``, is the field holding it: ``workforce[0].time_to_hire_days.mean``)."""
    if not error.path or len(path) < 2 or error.path[: len(path)] == path:
        return error
    if error.path[0] not in (path[-1], _OWN_ROOTS.get(cls)):
        return error
    located = (*path, *error.path[1:])
    return _moved(error, located)


def _convert(hint: Any, value: object, path: ScenarioPath) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if value is None:
            return None
        return _convert(options[0], value, path)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, path)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise invalid(path, "must be a list", value)
        item_hint = typing.get_args(hint)[0]
        items = []
        for i, item in enumerate(value):
            try:
                items.append(_convert(item_hint, item, (*path, i)))
            except ScenarioError as error:
                raise _itemised(error, path, i, item) from None
        return tuple(items)
    if origin is Mapping or hint is Mapping:
        if not isinstance(value, Mapping):
            raise invalid(path, "must be a table", value)
        return dict(value)
    return value


def _itemised(error: ScenarioError, path: ScenarioPath, index: int, item: object) -> ScenarioError:
    """Items validate themselves without knowing their index; put it back into the path, and name the item (a
    pool, a project) where it has a name: "workforce[night].headcount.production"."""
    name = item.get("name") if isinstance(item, Mapping) else None
    label: str | int = Key(name) if isinstance(name, str) and name.strip() else index
    own = error.path
    if own is None or len(own) <= len(path) or not _within(own, path):
        return error
    at = own[len(path)]
    if at != index and at != ITEM:
        return error
    located = (*path, label, *own[len(path) + 1 :])
    return _moved(error, located)


def _within(own: ScenarioPath, path: ScenarioPath) -> bool:
    """Whether ``own`` starts with ``path``; an item a part could not place (``ITEM``) stands for any index
    (a pool's ``joins[].share`` is inside ``workforce[0].joins``)."""
    return all(mine in (part, ITEM) for mine, part in zip(own, path, strict=False))


def _moved(error: ScenarioError, located: ScenarioPath) -> ScenarioError:
    """``error`` at the fuller path ``located``; its message says the new path in place of the old."""
    if error.requirement is not None:
        return invalid(located, error.requirement, error.value)
    # A free-form message (a plugin's own): the path's text is swapped, the rest kept as written.
    return ScenarioError(str(error).replace(path_text(error.path or ()), path_text(located), 1), path=located)


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build and validate a :class:`Scenario` from plain data (as read from TOML or JSON)."""
    scenario: Scenario = _build(Scenario, data, ())
    return scenario


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None:
                continue  # TOML has no null: an absent key means "not set"
            out[f.name] = _plain(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        # TOML has dates (`start_date = 2027-03-01`); JSON has none, and plugins read the ISO text alike.
        return value.isoformat()
    return value


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain data (dicts, lists, numbers, strings) that :func:`scenario_from_dict` turns back into ``scenario``."""
    data: dict[str, Any] = _plain(scenario)
    return data


def _format(path: Path, fmt: str | None) -> str:
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in ("toml", "json"):
        raise ScenarioError(f"scenario format must be 'toml' or 'json', got {chosen!r} (from {str(path)!r})")
    return chosen


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (TOML refuses it too; JSON would keep the last silently)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ScenarioError(f"scenario is not valid JSON: key {key!r} is given twice in one object", path=None)
        data[key] = value
    return data


def loads_scenario(text: str, fmt: str = "toml") -> Scenario:
    """Parse a scenario document in ``fmt`` ("toml" or "json")."""
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text, object_pairs_hook=_unique_keys)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise ScenarioError(f"scenario is not valid {fmt.upper()}: {error}") from error
    if data == {}:
        # Every key has a default, so an empty file (a truncated copy, the wrong file) would run a made-up
        # operation of 10 labelers and 1,000 tasks a day.
        raise ScenarioError(f"scenario is empty: the {fmt.upper()} document sets no keys")
    return scenario_from_dict(data)


def dumps_scenario(scenario: Scenario, fmt: str = "toml") -> str:
    """Write ``scenario`` as a TOML or JSON document."""
    data = scenario_to_dict(scenario)
    if fmt == "toml":
        return tomli_w.dumps(data)
    return json.dumps(data, indent=2) + "\n"


def load_scenario(path: str | Path, fmt: str | None = None) -> Scenario:
    """Read a scenario from a ``.toml`` or ``.json`` file and check that its plugins are installed."""
    from simulator.registry import check_scenario_plugins

    file = Path(path)
    chosen = _format(file, fmt)
    scenario = loads_scenario(file.read_text(encoding="utf-8"), chosen)
    check_scenario_plugins(scenario)
    return scenario


def dump_scenario(scenario: Scenario, path: str | Path, fmt: str | None = None) -> None:
    """Write ``scenario`` to a ``.toml`` or ``.json`` file."""
    file = Path(path)
    file.write_text(dumps_scenario(scenario, _format(file, fmt)), encoding="utf-8")
