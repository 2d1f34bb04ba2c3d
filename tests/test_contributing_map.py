"""CONTRIBUTING.md's map of the code matches the tree: every package is described, nothing described is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "CONTRIBUTING.md").read_text()


def _packages() -> list[str]:
    found = []
    for top in ("server", "simulator", "plugins"):
        for init in sorted((ROOT / top).rglob("__init__.py")):
            folder = init.parent.relative_to(ROOT).as_posix()
            if "static" not in folder and not folder.startswith("server/graphql/"):
                found.append(folder)
    return found


def test_every_package_is_on_the_map() -> None:
    missing = [folder for folder in _packages() if f"`{folder}/`" not in MAP]
    assert missing == []


def test_every_graphql_domain_is_on_the_map() -> None:
    domains = sorted(p.parent.name for p in (ROOT / "server" / "graphql").glob("*/__init__.py"))
    missing = [domain for domain in domains if f"`{domain}`" not in MAP]
    assert missing == []


def test_every_module_the_map_names_exists() -> None:
    modules = {path.name for path in ROOT.glob("**/*.py") if ".venv" not in path.parts}
    named = set(re.findall(r"`(?:[\w/]+/)?(\w+\.py)`", MAP))
    assert sorted(named - modules) == []
