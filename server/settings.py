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
    # Directory `importHistory` may read server-side files from; empty: only uploaded content is imported.
    import_directory: str = ""
    # How long a websocket trusts its last check of the key before re-validating it for the next operation.
    websocket_recheck_seconds: float = 1.0
    # Alerts (README, "Alerts"): how often the background loop evaluates every enabled rule (0: never; the
    # environment's default is a minute, a bare Settings has it off so tests evaluate only when they ask), and
    # webhook retries: the first retry after `alert_retry_seconds`, doubling up to an hour, `alert_max_attempts`
    # attempts in all, each cut off after `alert_timeout_seconds`.
    alerts_interval_seconds: float = 0.0
    alert_retry_seconds: float = 30.0
    alert_max_attempts: int = 6
    alert_timeout_seconds: float = 10.0
    # Projects written to are evaluated within this many seconds, besides the full evaluation every interval.
    alerts_debounce_seconds: float = 5.0
    # Internal networks webhooks may reach (CIDR); public addresses only by default (README, "Alerts").
    webhook_allowed_networks: tuple[str, ...] = ()
    # The port this server listens on (set by `labelops serve`): webhooks never go to it on its own addresses.
    server_port: int | None = None
    # How long a verified API key is trusted without reading it again (0: never); writes in this process to keys,
    # users or their projects end that at once, other processes see them within this bound (server.auth.key_cache).
    key_cache_seconds: float = 2.0
    # Request bodies (README, "Limits"): admins send whole export files to `importHistory` (a 200,000-label
    # Labelbox export is about 160 MB as a GraphQL request); everything else fits in a few megabytes.
    max_body_bytes: int = 4 * 1024 * 1024
    admin_max_body_bytes: int = 256 * 1024 * 1024


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
    `LABELOPS_REDIS_URL`, `LABELOPS_REDIS_PREFIX`, `LABELOPS_WS_RECHECK`, `LABELOPS_ALERTS_INTERVAL` (seconds, 0
    turns the loop off), `LABELOPS_ALERT_RETRY`, `LABELOPS_ALERT_ATTEMPTS`, `LABELOPS_ALERT_TIMEOUT`,
    `LABELOPS_IMPORT_DIRECTORY`, `LABELOPS_ALERTS_DEBOUNCE`, `LABELOPS_WEBHOOK_ALLOWED_NETWORKS` (comma-separated
    networks), `LABELOPS_KEY_CACHE`, `LABELOPS_MAX_BODY`, `LABELOPS_ADMIN_MAX_BODY` (bytes)."""
    lease = _positive("LABELOPS_RUN_LEASE", 30.0)
    # A third of the lease: two heartbeats may be late before another server takes the run over.
    heartbeat = _positive("LABELOPS_RUN_HEARTBEAT", lease / 3.0)
    if heartbeat >= lease:
        # Leases would lapse between renewals and another server would run the same simulation again.
        raise ValueError(
            f"LABELOPS_RUN_HEARTBEAT must be shorter than LABELOPS_RUN_LEASE ({lease:g}), got {heartbeat:g}"
        )
    max_body = _byte_count("LABELOPS_MAX_BODY", Settings.max_body_bytes)
    admin_max_body = _byte_count("LABELOPS_ADMIN_MAX_BODY", Settings.admin_max_body_bytes)
    if admin_max_body < max_body:
        raise ValueError(
            f"LABELOPS_ADMIN_MAX_BODY must be at least LABELOPS_MAX_BODY ({max_body}), got {admin_max_body}"
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
        alerts_interval_seconds=_non_negative("LABELOPS_ALERTS_INTERVAL", 60.0),
        alert_retry_seconds=_positive("LABELOPS_ALERT_RETRY", 30.0),
        alert_max_attempts=int(_positive("LABELOPS_ALERT_ATTEMPTS", 6)),
        alert_timeout_seconds=_positive("LABELOPS_ALERT_TIMEOUT", 10.0),
        import_directory=os.environ.get("LABELOPS_IMPORT_DIRECTORY", "").strip(),
        alerts_debounce_seconds=_positive("LABELOPS_ALERTS_DEBOUNCE", 5.0),
        webhook_allowed_networks=_networks("LABELOPS_WEBHOOK_ALLOWED_NETWORKS"),
        key_cache_seconds=_non_negative("LABELOPS_KEY_CACHE", 2.0),
        max_body_bytes=max_body,
        admin_max_body_bytes=admin_max_body,
    )


def _byte_count(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a positive whole number of bytes, got {raw!r}")
    return int(text)


def _trusted_proxies() -> tuple[str, ...]:
    return _networks("LABELOPS_TRUSTED_PROXIES")


def _networks(name: str) -> tuple[str, ...]:
    from server.auth.proxies import parse_networks

    entries = tuple(entry.strip() for entry in os.environ.get(name, "").split(","))
    parse_networks(entries, setting=name)  # refuse a bad entry at startup, naming it
    return tuple(entry for entry in entries if entry)
