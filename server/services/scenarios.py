"""Stored scenarios and simulation runs: versioned saving, validation into field-level errors, run requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.planning import RunStatus, SimulationRun, StoredScenario
from server.services.errors import DomainError, Key, NotFound, Path, ValidationFailed, Verbatim
from simulator.scenario import Scenario, ScenarioError, ScenarioPath

__all__ = [
    "MAX_REPLICATIONS",
    "ScenarioInvalid",
    "create_run",
    "get_run",
    "get_scenario",
    "latest_scenario",
    "parse_scenario",
    "save_scenario",
    "scenario_path",
]

MAX_REPLICATIONS = 5000


class ScenarioInvalid(DomainError):
    """A scenario document that does not validate; ``path`` leads to the bad value, document keys verbatim."""

    code = "VALIDATION_FAILED"


def scenario_path(path: ScenarioPath, *, verbatim: bool = False) -> Path:
    """A ScenarioError's path as a domain error's: with ``verbatim`` its keys are those of a document the client
    sent and keep their spelling (``hourly_rate``); chosen names (`Key`) and indexes are kept as they are."""
    if not verbatim:
        return path
    return tuple(part if isinstance(part, int | Key) else Verbatim(part) for part in path)


def parse_scenario(document: object, *, field: Path = ("document",)) -> Scenario:
    """Validate a scenario document; a bad value raises ScenarioInvalid at ``field`` + the value's path in it."""
    from simulator.loading import scenario_from_dict
    from simulator.registry import check_scenario_plugins

    if not isinstance(document, Mapping):
        raise ValidationFailed(field, document, "must be a JSON object")
    try:
        scenario = scenario_from_dict(document)
        check_scenario_plugins(scenario)
    except (ScenarioError, ValueError, TypeError) as error:
        if not isinstance(error, ScenarioError):
            raise ScenarioInvalid(str(error), path=field) from None
        own = scenario_path(error.path, verbatim=True) if error.path else ()
        raise ScenarioInvalid(
            str(error), path=(*field, *own), requirement=error.requirement, value=error.value
        ) from None
    return scenario


async def save_scenario(
    session: AsyncSession, name: str, document: Mapping[str, Any], description: str = ""
) -> StoredScenario:
    """Store ``document`` as the next version of scenario ``name`` (version 1 when the name is new)."""
    from simulator.loading import scenario_to_dict

    clean_name = name.strip()
    if not clean_name or len(clean_name) > 200:
        raise ValidationFailed(("name",), name, "must be 1 to 200 characters")
    scenario = parse_scenario({**document, "name": clean_name})
    latest = await session.scalar(select(func.max(StoredScenario.version)).where(StoredScenario.name == clean_name))
    stored = StoredScenario(
        name=clean_name,
        version=(latest or 0) + 1,
        document=scenario_to_dict(scenario),
        description=description,
    )
    session.add(stored)
    await session.flush()
    return stored


async def get_scenario(session: AsyncSession, scenario_id: int, *, field: Path = ("id",)) -> StoredScenario:
    stored = await session.get(StoredScenario, scenario_id)
    if stored is None:
        raise NotFound("Scenario", scenario_id, path=field)
    return stored


async def latest_scenario(session: AsyncSession, name: str) -> StoredScenario | None:
    return await session.scalar(
        select(StoredScenario).where(StoredScenario.name == name).order_by(StoredScenario.version.desc()).limit(1)
    )


async def get_run(session: AsyncSession, run_id: int, *, field: Path = ("id",)) -> SimulationRun:
    run = await session.get(SimulationRun, run_id)
    if run is None:
        raise NotFound("SimulationRun", run_id, path=field)
    return run


async def create_run(
    session: AsyncSession, scenario_id: int, *, replications: int, seed: int, executor: str
) -> SimulationRun:
    """A QUEUED run of a stored scenario version; the job runner picks it up once the transaction commits."""
    await get_scenario(session, scenario_id, field=("scenario_id",))
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValidationFailed(("replications",), replications, f"must be between 1 and {MAX_REPLICATIONS}")
    if not 0 <= seed < 2**31:
        raise ValidationFailed(("seed",), seed, "must be between 0 and 2^31 - 1")
    run = SimulationRun(
        scenario_id=scenario_id,
        status=RunStatus.QUEUED,
        progress=0.0,
        replications=replications,
        seed=seed,
        executor=executor,
    )
    session.add(run)
    await session.flush()
    return run
