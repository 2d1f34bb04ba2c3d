"""The GraphiQL IDE's browser assets, installed from the npm registry and served from `/static/vendor`.

Strawberry's IDE page loads React, GraphiQL and the explorer plugin from `https://unpkg.com/<pkg>@<version>/<path>`;
the same packages from the npm registry hold byte-identical files, so `npm install` of the exact versions into
`server/static/vendor` lets `/static/vendor/node_modules/<pkg>/<path>` serve them (the page's SRI hashes still
match), and the IDE works on machines without internet access after setup.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GRAPHIQL_PACKAGES",
    "LOCAL_PREFIX",
    "VENDOR_DIRECTORY",
    "AssetError",
    "InstallReport",
    "install_assets",
    "local_asset_url",
    "missing_packages",
]

# The versions Strawberry's graphiql.html pins; change them together with strawberry-graphql.
GRAPHIQL_PACKAGES: dict[str, str] = {
    "react": "18.2.0",
    "react-dom": "18.2.0",
    "js-cookie": "3.0.5",
    "graphiql": "3.8.3",
    "@graphiql/plugin-explorer": "1.0.2",
    # Not GraphiQL's: the web console's charts (dist/chart.umd.js), served the same way.
    "chart.js": "4.6.1",
}
VENDOR_DIRECTORY = Path(__file__).resolve().parent / "static" / "vendor"
LOCAL_PREFIX = "/static/vendor/node_modules/"
_NPM_TIMEOUT_SECONDS = 600


class AssetError(RuntimeError):
    """The assets could not be installed; the message says what to do."""


@dataclass(frozen=True)
class InstallReport:
    installed: tuple[str, ...]
    already_present: tuple[str, ...]
    directory: Path

    def describe(self) -> str:
        if not self.installed:
            return f"GraphiQL assets already present in {self.directory}"
        return f"installed {', '.join(self.installed)} into {self.directory}"


def local_asset_url(package: str, path: str) -> str:
    """Where the app serves `path` of `package`: the local stand-in for `https://unpkg.com/<package>@<v>/<path>`."""
    if package not in GRAPHIQL_PACKAGES:
        raise ValueError(f"package must be one of {sorted(GRAPHIQL_PACKAGES)}, got {package!r}")
    return f"{LOCAL_PREFIX}{package}/{path.lstrip('/')}"


def missing_packages(directory: Path = VENDOR_DIRECTORY) -> list[str]:
    """Packages not installed at their pinned version under `directory`, as `name@version` specs."""
    missing = []
    for name, version in GRAPHIQL_PACKAGES.items():
        manifest = directory / "node_modules" / name / "package.json"
        try:
            installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            installed = None
        if installed != version:
            missing.append(f"{name}@{version}")
    return missing


def install_assets(directory: Path = VENDOR_DIRECTORY, *, npm: str | None = None) -> InstallReport:
    """Install the pinned packages with npm unless they are all there already (then it returns at once)."""
    missing = missing_packages(directory)
    present = tuple(f"{n}@{v}" for n, v in GRAPHIQL_PACKAGES.items() if f"{n}@{v}" not in missing)
    if not missing:
        return InstallReport(installed=(), already_present=present, directory=directory)
    executable = npm or shutil.which("npm")
    if executable is None:
        raise AssetError("npm was not found on PATH: install Node.js (with npm) to fetch the GraphiQL assets")
    directory.mkdir(parents=True, exist_ok=True)
    # Install all pins in one go: npm prunes packages missing from the command line when it reifies the tree.
    specs = [f"{name}@{version}" for name, version in GRAPHIQL_PACKAGES.items()]
    command = [executable, "install", "--prefix", str(directory), "--no-save", "--no-audit", "--no-fund", *specs]
    command += ["--no-package-lock", "--loglevel=error"]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=_NPM_TIMEOUT_SECONDS, check=False, cwd=directory
        )
    except subprocess.TimeoutExpired as error:
        raise AssetError(f"npm install did not finish within {_NPM_TIMEOUT_SECONDS} s") from error
    except OSError as error:
        raise AssetError(f"npm could not be started ({executable}): {error.strerror or error}") from error
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        raise AssetError("npm install failed:\n" + "\n".join(detail))
    still_missing = missing_packages(directory)
    if still_missing:
        raise AssetError(f"npm finished but these are still missing: {', '.join(still_missing)}")
    return InstallReport(installed=tuple(missing), already_present=present, directory=directory)
