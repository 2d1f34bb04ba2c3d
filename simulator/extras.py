"""Optional dependencies: each belongs to an extra of the `labelops` package, which the error names when missing.

`make run` and `make test` install every extra; a slimmer install (`pip install labelops`) runs the platform on
SQLite and the simulator on local processes, and asks for the extra only when a feature needs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXTRA_OF", "MissingExtra", "require"]

EXTRA_OF = {"distributed": "dask", "matplotlib": "charts", "asyncpg": "postgres", "numba": "fast"}


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra brings it."""


def require(module: str, purpose: str) -> ModuleType:
    """Import `module` (a top-level package of `EXTRA_OF`), or fail saying which extra `purpose` needs."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        extra = EXTRA_OF[module.split(".")[0]]
        raise MissingExtra(
            f"{purpose} needs the '{extra}' extra, which is not installed: pip install 'labelops[{extra}]'"
        ) from error
