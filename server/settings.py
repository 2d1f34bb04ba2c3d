"""Runtime settings of the platform, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_DATABASE_PATH", "Settings", "default_worker_count", "load_settings"]

DEFAULT_DATABASE_PATH = Path("var") / "labelops.sqlite3"


def _default_database_url() -> str:
    return f"sqlite+aiosqlite:///{DEFAULT_DATABASE_PATH}"


def default_worker_count() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment; `LABELOPS_*` variables override the defaults."""

    database_url: str = field(default_factory=_default_database_url)
    graphiql: bool = True
    introspection: bool = True
    max_page_size: int = 100
    echo_sql: bool = False
    # Access control and limits (README, "Access control").
    auth: bool = True
    request_timeout_seconds: float = 30.0
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200
    max_query_cost: int = 50_000
    # Simulations (README, "Planning" and "Limits").
    simulation_workers: int = field(default_factory=default_worker_count)
    simulation_budget: float = 200_000_000.0
    dask_address: str | None = None
    run_lease_seconds: float = 30.0
    run_heartbeat_seconds: float = 10.0
    # Proxies whose X-Forwarded-For is believed (addresses or networks); nobody's by default.
    trusted_proxies: tuple[str, ...] = ()
    # Shared rate limit across server processes (README, "Limits"); empty: each process limits on its own.
    redis_url: str = ""
    redis_key_prefix: str = "labelops:rate:"
    # How long a websocket trusts its last check of the key before re-validating it for the next operation.
    websocket_recheck_seconds: float = 1.0
    # How long a verified API key is trusted without reading it again (0: never); writes in this process to keys,
    # users or their projects end that at once, other processes see them within this bound (server.auth.key_cache).
    key_cache_seconds: float = 2.0


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def _positive(name: str, default: float) -> float:
    value = _number(name, default)
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def _non_negative(name: str, default: float) -> float:
    value = _number(name, default)
    if not value >= 0:
        raise ValueError(f"{name} must be zero or a positive number, got {value!r}")
    return value


def load_settings() -> Settings:
    """Read `LABELOPS_DATABASE_URL`, `LABELOPS_GRAPHIQL`, `LABELOPS_INTROSPECTION`, `LABELOPS_ECHO_SQL`,
    `LABELOPS_AUTH`, `LABELOPS_REQUEST_TIMEOUT`, `LABELOPS_RATE_LIMIT`, `LABELOPS_RATE_BURST`, `LABELOPS_MAX_COST`,
    `LABELOPS_SIMULATION_WORKERS`, `LABELOPS_SIMULATION_BUDGET`, `LABELOPS_DASK_ADDRESS`, `LABELOPS_RUN_LEASE`,
    `LABELOPS_RUN_HEARTBEAT`, `LABELOPS_TRUSTED_PROXIES` (comma-separated addresses or networks),
    `LABELOPS_REDIS_URL`, `LABELOPS_REDIS_PREFIX`, `LABELOPS_WS_RECHECK`, `LABELOPS_KEY_CACHE`."""
    lease = _positive("LABELOPS_RUN_LEASE", 30.0)
    # A third of the lease: two heartbeats may be late before another server takes the run over.
    heartbeat = _positive("LABELOPS_RUN_HEARTBEAT", lease / 3.0)
    if heartbeat >= lease:
        # Leases would lapse between renewals and another server would run the same simulation again.
        raise ValueError(
            f"LABELOPS_RUN_HEARTBEAT must be shorter than LABELOPS_RUN_LEASE ({lease:g}), got {heartbeat:g}"
        )
    return Settings(
        database_url=os.environ.get("LABELOPS_DATABASE_URL") or _default_database_url(),
        graphiql=_flag("LABELOPS_GRAPHIQL", True),
        introspection=_flag("LABELOPS_INTROSPECTION", True),
        echo_sql=_flag("LABELOPS_ECHO_SQL", False),
        auth=_flag("LABELOPS_AUTH", True),
        request_timeout_seconds=_number("LABELOPS_REQUEST_TIMEOUT", 30.0),
        rate_limit_per_second=_number("LABELOPS_RATE_LIMIT", 50.0),
        rate_limit_burst=int(_number("LABELOPS_RATE_BURST", 200)),
        max_query_cost=int(_number("LABELOPS_MAX_COST", 50_000)),
        simulation_workers=int(_positive("LABELOPS_SIMULATION_WORKERS", default_worker_count())),
        simulation_budget=_positive("LABELOPS_SIMULATION_BUDGET", 200_000_000.0),
        dask_address=os.environ.get("LABELOPS_DASK_ADDRESS", "").strip() or None,
        run_lease_seconds=lease,
        run_heartbeat_seconds=heartbeat,
        trusted_proxies=_trusted_proxies(),
        redis_url=os.environ.get("LABELOPS_REDIS_URL", "").strip(),
        redis_key_prefix=os.environ.get("LABELOPS_REDIS_PREFIX") or "labelops:rate:",
        websocket_recheck_seconds=_number("LABELOPS_WS_RECHECK", 1.0),
        key_cache_seconds=_non_negative("LABELOPS_KEY_CACHE", 2.0),
    )


def _trusted_proxies() -> tuple[str, ...]:
    from server.auth.proxies import parse_networks

    entries = tuple(entry.strip() for entry in os.environ.get("LABELOPS_TRUSTED_PROXIES", "").split(","))
    parse_networks(entries)  # refuse a bad entry at startup, naming it
    return tuple(entry for entry in entries if entry)
